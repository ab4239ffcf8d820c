import Foundation

/// What some tests need from the machine (`openssl`, `python3`, `../shared/peer-corpus`). Alone, a
/// test whose prerequisite is missing is disabled, with its reason; under `make test`
/// (`OATHCTL_REQUIRE_PREREQUISITES=1`) it runs and fails, naming what is missing.
enum Prerequisite {
    static let required = ProcessInfo.processInfo.environment["OATHCTL_REQUIRE_PREREQUISITES"] == "1"
}
