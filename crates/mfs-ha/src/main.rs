fn main() -> std::process::ExitCode {
    mfs_ha::main()
}
