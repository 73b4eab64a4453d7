//! The repository's contract with its users: the README starts with the
//! two commands that do everything (the main job, the tests), and CI runs
//! exactly the README's test command.

use std::path::PathBuf;

fn read(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The commands of the README's first code block, comments removed.
fn readme_commands() -> Vec<String> {
    let readme = read("README.md");
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a first sh code block");
    block
        .lines()
        .map(|line| {
            line.split('#')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .filter(|line| !line.is_empty())
        .collect()
}

#[test]
fn the_readme_starts_with_the_demo_and_the_test_command() {
    let commands = readme_commands();
    assert_eq!(
        commands,
        ["cargo run --release -- demo", "cargo test --release"],
        "README.md's first code block"
    );
}

#[test]
fn ci_runs_exactly_the_readme_test_command() {
    let commands = readme_commands();
    let ci = read(".ci/run");
    let last = ci
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty() && !line.starts_with('#'))
        .expect("a command");
    assert_eq!(last, commands[1], ".ci/run's last command");
}
