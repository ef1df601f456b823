use std::process::ExitCode;

fn main() -> ExitCode {
    authctl::cli::main()
}
