import OATHCore
import PostgresNIO
import TokenDomain
import TokenService

extension PostgresStore {
    /// `find`'s candidates, streamed from one query (postgres-nio reads ahead while a block is checked).
    public func forEachCandidateBlock(digits: Int, userKey: String?, blockSize: Int,
                                      _ body: (CandidateBlock) throws -> Void) async throws {
        try await read { connection in
            let rows = try await connection.query("""
                SELECT serial, sealed_secret, interval, hash, drift FROM token
                WHERE digits = \(digits) AND (\(userKey)::text IS NULL OR user_key = \(userKey))
                """, logger: logger)
            var block = CandidateBlock(capacity: blockSize)
            for try await (serial, sealed, interval, hash, drift) in rows.decode((String, ByteBuffer, Int, String, Int).self) {
                var serial = serial
                serial.withUTF8 { serialBytes in
                    sealed.withUnsafeReadableBytes { sealedBytes in
                        block.append(serial: UnsafeRawBufferPointer(serialBytes), sealed: sealedBytes, interval: UInt64(interval),
                                     hash: HashAlgorithm(rawValue: hash) ?? .sha1, drift: drift)
                    }
                }
                if block.count == blockSize {
                    try body(block)
                    block = CandidateBlock(capacity: blockSize)
                }
            }
            block.isLast = true
            try body(block)
        }
    }
}
