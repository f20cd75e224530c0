#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<duet::app::App>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Duet's app runs in the browser: `trunk serve`, or `cargo xtask serve` for the full stack.");
}
