//! Running commands with the project's environment, loudly.

use std::process::{Command, Stdio};

use crate::tools;

/// A command in the workspace root with the tools on PATH.
pub fn cmd(program: &str, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args)
        .current_dir(tools::root())
        .env("PATH", tools::path_env())
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .env("CHROMEDRIVER", tools::CHROMEDRIVER);
    c
}

pub fn show(c: &Command) -> String {
    let args: Vec<String> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    format!("{} {}", c.get_program().to_string_lossy(), args.join(" "))
}

/// Runs to completion, inheriting output; Err if it fails.
pub fn status(mut c: Command) -> Result<(), String> {
    eprintln!("$ {}", show(&c));
    let st = c.status().map_err(|e| format!("could not start {}: {e}", show(&c)))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({st})", show(&c)))
    }
}

/// Runs quietly and returns stdout, or None if it cannot run or fails.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = cmd(program, args).stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs, echoing output live, and also returns it (to count test results).
pub fn tee(mut c: Command) -> (bool, String) {
    use std::io::{BufRead, BufReader};
    eprintln!("$ {}", show(&c));
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = match c.spawn() {
        Ok(ch) => ch,
        Err(e) => return (false, format!("could not start: {e}")),
    };
    let err = child.stderr.take().expect("piped");
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            eprintln!("{line}");
            s.push_str(&line);
            s.push('\n');
        }
        s
    });
    let mut all = String::new();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines().map_while(Result::ok) {
        println!("{line}");
        all.push_str(&line);
        all.push('\n');
    }
    all.push_str(&err_thread.join().unwrap_or_default());
    let ok = child.wait().map(|s| s.success()).unwrap_or(false);
    (ok, all)
}
