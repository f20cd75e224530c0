//! `cargo xtask serve`: the whole app on one port.

use crate::{
    run::{cmd, status},
    setup::{self, Need},
};

pub fn build_bundle() -> Result<(), String> {
    status(cmd("trunk", &["build", "--release"]))
}

pub fn serve(args: &[String]) -> Result<(), String> {
    setup::setup(Need::WebBuild)?;
    build_bundle()?;
    let mut c = cmd("cargo", &["run", "--release", "-p", "duet-server", "--", "--static-dir", "dist"]);
    c.args(args);
    status(c)
}
