// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "oathctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "oathctl", targets: ["oathctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // libcrypto from the system OpenSSL 3 (Debian: libssl-dev). Only libcrypto is linked.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // HMAC-SHA-1 in sixteen SIMD lanes (AVX-512 / AVX2 / portable), for `find`'s window checks.
        .target(name: "CSHA1Lanes"),
        // Base32, HMAC, HOTP/TOTP, verification. Pure: no files, no clock, no database.
        .target(name: "OATHCore", dependencies: ["COpenSSL", "CSHA1Lanes"]),
        // The token domain: status, policy, the code-check state machine, audit events. Pure: no I/O, no clock.
        .target(name: "TokenDomain", dependencies: ["OATHCore"]),
        // Bytes -> rows -> findings. Knows CSV, PSKC and the upload rules; no database.
        .target(name: "CPrefetch"),
        .target(name: "TokenImport", dependencies: ["OATHCore", "TokenDomain", "COpenSSL", "CPrefetch"]),
        // The master key, AES-256-GCM sealing of seeds, the keyed seed fingerprint (libcrypto).
        .target(name: "SecretSealing", dependencies: ["OATHCore", "COpenSSL"]),
        // The one place the rules run (async): import, assign, apps, checks, find, export, policy, copy;
        // the repository protocol every backend implements.
        .target(
            name: "TokenService",
            dependencies: [
                "OATHCore", "TokenDomain", "TokenImport", "SecretSealing", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The embedded backend: one SQLite file through GRDB.
        .target(
            name: "TokenStore",
            dependencies: [
                "OATHCore", "TokenDomain", "TokenImport", "TokenService", "SecretSealing",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The shared backend: PostgreSQL through postgres-nio (its own target: NIO and BoringSSL cost minutes of build).
        .target(
            name: "TokenStorePostgres",
            dependencies: [
                "OATHCore", "TokenDomain", "TokenImport", "TokenService", "SecretSealing",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `oathctl serve`: the HTTP API over the service (Hummingbird), with operators, roles and sessions.
        .target(
            name: "OATHServer",
            dependencies: [
                "OATHCore", "TokenDomain", "TokenService", "TokenImport", "SecretSealing",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The API's contract (served at /api/v1/openapi.yaml) and the page's stylesheet and script, compiled into the binary.
            resources: [.embedInCode("openapi.yaml"), .embedInCode("Static/app.css"), .embedInCode("Static/app.js")]
        ),
        .executableTarget(
            name: "oathctl",
            dependencies: [
                "OATHCore", "TokenImport", "TokenDomain", "TokenService", "SecretSealing", "TokenStore", "TokenStorePostgres", "OATHServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `make fuzz`: libFuzzer targets (built with -sanitize=fuzzer,address -DFUZZING); without those flags they replay files.
        // fuzz-lanes holds find's SIMD SHA-1 to libcrypto; fuzz-formats reads OATH CSV and SafeWord records;
        .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"),
        .executableTarget(name: "fuzz-base32", dependencies: ["OATHCore", "FuzzSupport"], path: "Fuzz/FuzzBase32"),
        .executableTarget(name: "fuzz-csv", dependencies: ["TokenImport", "FuzzSupport"], path: "Fuzz/FuzzCSV"),
        .executableTarget(name: "fuzz-pskc", dependencies: ["TokenImport", "FuzzSupport"], path: "Fuzz/FuzzPSKC"),
        .executableTarget(name: "fuzz-lanes", dependencies: ["OATHCore", "FuzzSupport"], path: "Fuzz/FuzzLanes"),
        .executableTarget(name: "fuzz-formats", dependencies: ["TokenImport", "FuzzSupport"], path: "Fuzz/FuzzFormats"),
        // fuzz-api sends each input to the HTTP API in process (JSON bodies, uploads and their query).
        .executableTarget(name: "fuzz-api", dependencies: [
            "OATHServer", "TokenService", "TokenStore", "SecretSealing", "FuzzSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
        ], path: "Fuzz/FuzzAPI"),
        // `make bench`: throughput figures, release build, outside `make test`.
        .executableTarget(name: "oathbench", dependencies: ["OATHCore", "TokenImport", "TokenService", "SecretSealing", "TokenStore", "TokenStorePostgres"], path: "Benchmarks/oathbench"),
        .testTarget(
            name: "OATHCoreTests",
            dependencies: ["OATHCore", "CSHA1Lanes", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "TokenImportTests",
            dependencies: ["TokenImport", "TokenDomain", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["RFC6030"]
        ),
        .testTarget(
            name: "TokenDomainTests",
            dependencies: ["TokenDomain", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        // The conformance suite (every backend), each backend's own workings, sealing, store copy, races,
        // and the HTTP API in process over both backends.
        .testTarget(name: "TokenServiceTests", dependencies: [
            "TokenService", "TokenStore", "TokenStorePostgres", "TokenImport", "TokenDomain", "SecretSealing", "OATHCore", "OATHServer",
            .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "oathctlTests", dependencies: ["OATHCore", .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)
