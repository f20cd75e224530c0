//! A value components subscribe to through a selector, so each re-renders
//! only when the part it shows changes (not on every change of the whole).

use std::{
    cell::RefCell,
    rc::{Rc, Weak},
};

use yew::prelude::*;

type Listener<T> = dyn Fn(&Rc<T>);
/// Whether a new value changes what a view shows.
type Changed<T> = Rc<dyn Fn(&Rc<T>) -> bool>;

/// A shared value and the views watching it.
pub struct Observable<T> {
    value: RefCell<Rc<T>>,
    listeners: RefCell<Vec<Weak<Listener<T>>>>,
}

/// Keeps a listener registered; dropping it unsubscribes.
pub struct Subscription<T>(#[allow(dead_code)] Rc<Listener<T>>);

impl<T> Observable<T> {
    pub fn new(value: T) -> Self {
        Observable { value: RefCell::new(Rc::new(value)), listeners: RefCell::default() }
    }

    pub fn get(&self) -> Rc<T> {
        self.value.borrow().clone()
    }

    /// Replaces the value and tells every live listener.
    pub fn set(&self, value: Rc<T>) {
        *self.value.borrow_mut() = value.clone();
        // A listener may subscribe or unsubscribe others: call a copy.
        let live: Vec<Rc<Listener<T>>> = {
            let mut listeners = self.listeners.borrow_mut();
            listeners.retain(|l| l.strong_count() > 0);
            listeners.iter().filter_map(Weak::upgrade).collect()
        };
        for l in live {
            l(&value);
        }
    }

    /// Changes the value in place (cloning it if a view still holds it).
    pub fn update(&self, f: impl FnOnce(&mut T))
    where
        T: Clone,
    {
        let mut next = Rc::unwrap_or_clone(self.get());
        f(&mut next);
        self.set(Rc::new(next));
    }

    pub fn subscribe(&self, listener: impl Fn(&Rc<T>) + 'static) -> Subscription<T> {
        let listener: Rc<Listener<T>> = Rc::new(listener);
        self.listeners.borrow_mut().push(Rc::downgrade(&listener));
        Subscription(listener)
    }
}

/// What `select` picks out of `source`, re-rendering the calling component
/// only when that changes.
#[hook]
pub fn use_selected<T, U, F>(source: &Rc<Observable<T>>, select: F) -> U
where
    T: 'static,
    U: PartialEq + Clone + 'static,
    F: Fn(&Rc<T>) -> U + 'static,
{
    let shown = use_mut_ref(|| None::<U>);
    let now = select(&source.get());
    *shown.borrow_mut() = Some(now.clone());
    // Only this comparison depends on the selection's type; the
    // subscription itself is shared by every selector of `T`.
    let changed: Changed<T> = Rc::new(move |v| shown.borrow().as_ref() != Some(&select(v)));
    use_watch(source, changed);
    now
}

/// Re-renders the calling component when `changed` says a new value of
/// `source` matters to it (the latest `changed` is used).
#[hook]
fn use_watch<T: 'static>(source: &Rc<Observable<T>>, changed: Changed<T>) {
    let update = use_force_update();
    let latest = use_mut_ref(|| changed.clone());
    *latest.borrow_mut() = changed;
    let source = source.clone();
    use_effect_with((), move |_| {
        let subscription = source.subscribe(move |v| {
            let changed = latest.borrow().clone();
            if changed(v) {
                update.force_update();
            }
        });
        move || drop(subscription)
    });
}
