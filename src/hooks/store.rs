//! The store's runtime: the state every view reads, a dispatch that reduces
//! each action at once and hands its effects to the agent straight away (so
//! none waits for a render or is lost; before the agent's code is in, they
//! wait for it in order), and subscriptions by selector.

use std::{
    cell::{Cell, RefCell},
    collections::VecDeque,
    ops::Deref,
    rc::Rc,
};

use yew::prelude::*;

use super::{
    media::Media,
    observable::{use_selected, Observable},
};
use crate::store::{Action, CallState, Effect};

/// Runs one effect, reading whatever else it needs from the state it is handed.
pub type EffectRunner = Rc<dyn Fn(&CallState, Effect)>;

/// Runs the effects whose code is in the first load before the agent is
/// there; hands back the others, which wait for it.
pub type EarlyRunner = fn(Effect) -> Option<Effect>;

pub struct StoreCore {
    state: Rc<Observable<CallState>>,
    queue: RefCell<VecDeque<Action>>,
    reducing: Cell<bool>,
    runner: RefCell<Option<EffectRunner>>,
    /// Effects asked for before the agent was there to run them.
    waiting: RefCell<Vec<Effect>>,
    early: Cell<Option<EarlyRunner>>,
}

impl StoreCore {
    fn new() -> Self {
        StoreCore {
            state: Rc::new(Observable::new(CallState::default())),
            queue: RefCell::default(),
            reducing: Cell::new(false),
            runner: RefCell::default(),
            waiting: RefCell::default(),
            early: Cell::new(None),
        }
    }

    /// Applies `action`, then runs its effects. An action dispatched while
    /// one is being applied (an effect reporting back at once) follows it.
    fn dispatch(&self, action: Action) {
        self.queue.borrow_mut().push_back(action);
        self.drain();
    }

    /// Applies the queued actions in turn, each one's effects run before the
    /// next is applied. One drain at a time: a dispatch from inside it only
    /// queues.
    fn drain(&self) {
        if self.reducing.replace(true) {
            return;
        }
        while let Some(action) = self.next_action() {
            let mut next = Rc::unwrap_or_clone(self.state.get()).reduce(action);
            let effects = next.effects.drain();
            let next = Rc::new(next);
            self.state.set(next.clone());
            let runner = self.runner.borrow().clone();
            match runner {
                Some(run) => effects.into_iter().for_each(|e| run(&next, e)),
                None => {
                    let early = self.early.get();
                    let waiting = effects.into_iter().filter_map(|e| match early {
                        Some(run) => run(e),
                        None => Some(e),
                    });
                    self.waiting.borrow_mut().extend(waiting);
                }
            }
        }
        self.reducing.set(false);
    }

    fn next_action(&self) -> Option<Action> {
        self.queue.borrow_mut().pop_front()
    }

    /// Installs the agent; effects that came before it run now, in order,
    /// and what they dispatch is applied after the last of them.
    fn set_runner(&self, run: EffectRunner) {
        *self.runner.borrow_mut() = Some(run.clone());
        let draining = self.reducing.replace(true);
        let waiting = std::mem::take(&mut *self.waiting.borrow_mut());
        let state = self.state.get();
        for e in waiting {
            run(&state, e);
        }
        self.reducing.set(draining);
        self.drain();
    }
}

/// Dispatches actions to the store; holding one subscribes to nothing.
#[derive(Clone)]
pub struct Dispatch(Rc<StoreCore>);

impl PartialEq for Dispatch {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Dispatch {
    pub fn dispatch(&self, action: Action) {
        self.0.dispatch(action);
    }

    /// The state now (for work that reads it later than a render, such as
    /// the agent's async tasks).
    pub fn state(&self) -> Rc<CallState> {
        self.0.state.get()
    }

    /// Until the agent is there, `run` runs the effects it can at once.
    pub fn set_early_runner(&self, run: EarlyRunner) {
        self.0.early.set(Some(run));
    }

    /// Makes `run` the executor of every effect (the agent).
    pub fn set_runner(&self, run: EffectRunner) {
        self.0.set_runner(run);
    }

    /// A callback dispatching the action `make` builds, whatever its argument.
    pub fn action<T>(&self, make: fn() -> Action) -> Callback<T> {
        let d = self.clone();
        Callback::from(move |_| d.dispatch(make()))
    }
}

/// The whole state and a dispatcher: what `use_store` gives.
#[derive(Clone)]
pub struct Store {
    state: Rc<CallState>,
    dispatch: Dispatch,
}

impl PartialEq for Store {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.state, &other.state)
    }
}

impl Deref for Store {
    type Target = CallState;
    fn deref(&self) -> &CallState {
        &self.state
    }
}

impl Store {
    pub fn dispatch(&self, action: Action) {
        self.dispatch.dispatch(action);
    }

    pub fn dispatcher(&self) -> Dispatch {
        self.dispatch.clone()
    }
}

#[derive(Properties, PartialEq)]
pub struct StoreProviderProps {
    /// Run once on the new store, before anything renders (the saved
    /// settings, so the first screen is already the person's).
    #[prop_or_default]
    pub init: Callback<Dispatch>,
    pub children: Html,
}

/// Owns the call store and the media context and provides them below. It never
/// re-renders: each view subscribes to the part it shows.
#[function_component(StoreProvider)]
pub fn store_provider(props: &StoreProviderProps) -> Html {
    let dispatch = use_memo((), |_| {
        let dispatch = Dispatch(Rc::new(StoreCore::new()));
        props.init.emit(dispatch.clone());
        dispatch
    });
    let media = use_memo((), |_| Media::new());
    html! {
        <ContextProvider<Dispatch> context={(*dispatch).clone()}>
            <ContextProvider<Media> context={(*media).clone()}>
                { props.children.clone() }
            </ContextProvider<Media>>
        </ContextProvider<Dispatch>>
    }
}

/// The dispatcher; panics outside a [`StoreProvider`], which is a bug.
#[hook]
pub fn use_dispatch() -> Dispatch {
    use_context::<Dispatch>().expect("the store needs a StoreProvider above")
}

/// What `select` picks from the state; the component re-renders only when
/// that changes.
#[hook]
pub fn use_select<U, F>(select: F) -> U
where
    U: PartialEq + Clone + 'static,
    F: Fn(&CallState) -> U + 'static,
{
    let dispatch = use_dispatch();
    use_selected(&dispatch.0.state, move |s: &Rc<CallState>| select(s))
}

/// The whole state: re-renders on every change. For views that show most
/// of it; the rest use [`use_select`].
#[hook]
pub fn use_store() -> Store {
    let dispatch = use_dispatch();
    let Same(state) = use_selected(&dispatch.0.state, |s: &Rc<CallState>| Same(s.clone()));
    Store { state, dispatch }
}

/// The same state, not merely an equal one: a cheap comparison.
#[derive(Clone)]
struct Same(Rc<CallState>);

impl PartialEq for Same {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
