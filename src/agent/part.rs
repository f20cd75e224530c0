//! The agent as a part of the app fetched apart (components/parts.rs): in
//! release builds its code (signaling, the call's set-up, the settings'
//! writes) is a chunk the shell fetches first, once the first screen is up.
//! What cannot wait for it is in early.rs.

use yew::prelude::*;

use super::CallAgent;
use crate::components::parts::{Part, PartFetch, PartView};

pub const PART: Part = Part::new("agent", view, fetch);

fn view() -> PartView {
    Box::pin(async { split::agent_view().await.map_err(drop) })
}

fn fetch() -> PartFetch {
    Box::pin(async { split::preload_agent().await.map_err(drop) })
}

#[cfg(not(debug_assertions))]
mod split {
    use wasm_split_helpers::{wasm_split, SplitLoaderError};

    use super::*;

    #[wasm_split(agent, fallible, preload(preload_agent))]
    pub fn agent_view() -> Result<Html, SplitLoaderError> {
        Ok(html! { <CallAgent /> })
    }
}

#[cfg(debug_assertions)]
mod split {
    use super::*;

    pub async fn agent_view() -> Result<Html, ()> {
        Ok(html! { <CallAgent /> })
    }

    pub async fn preload_agent() -> Result<(), ()> {
        Ok(())
    }
}
