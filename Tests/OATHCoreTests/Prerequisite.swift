import Foundation
import Testing

/// Alone, the vector tests are disabled when `../shared/vectors` is missing; under `make test`
/// (`OATHCTL_REQUIRE_PREREQUISITES=1`) a missing table fails the run, with its path.
@Suite struct PrerequisiteTests {
    static let required = ProcessInfo.processInfo.environment["OATHCTL_REQUIRE_PREREQUISITES"] == "1"

    @Test(.enabled(if: Vectors.isPresent || required, "../shared/vectors is not beside the repository (or OATHCTL_VECTORS): no standard's vectors are read"))
    func everyVectorTableIsThere() {
        for name in Vectors.files {
            #expect(!Vectors.table(name).isEmpty, "\(Vectors.directory.appendingPathComponent(name).path) is missing or empty")
        }
    }
}
