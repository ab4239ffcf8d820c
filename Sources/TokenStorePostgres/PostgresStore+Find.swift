import OATHCore
import PostgresNIO
import TokenDomain
import TokenService

extension PostgresStore {
    /// `find`'s candidates, a block at a time.
    ///
    /// Over the whole store, each block is one query for a range of ids whose rows the server packs
    /// into one value (`string_agg` of length-prefixed fields): a million rows one by one through
    /// the driver measured 1.5-2.0 s, most of it per-row message handling on both sides of the
    /// socket. One user's tokens (at most five) are read as plain rows. All blocks read one snapshot.
    public func forEachCandidateBlock(digits: Int, userKey: String?, blockSize: Int,
                                      _ body: (CandidateBlock) throws -> Void) async throws {
        try await read { connection in
            if let userKey {
                try await userCandidates(connection, digits: digits, userKey: userKey, body)
                return
            }
            let bounds = try await connection.query("SELECT min(id), max(id) FROM token", logger: logger).collect().first
            guard let (low, high) = try bounds?.decode((Int64?, Int64?).self), let low, let high else {
                var empty = CandidateBlock(capacity: 0)
                empty.isLast = true
                try body(empty)
                return
            }
            var start = low
            while start <= high {
                let end = start + Int64(blockSize)
                let row = try await connection.query("""
                    SELECT array_agg(serial), array_agg(sealed_secret), array_agg(interval), array_agg(hash), array_agg(drift)
                    FROM token WHERE id >= \(start) AND id < \(end) AND digits = \(digits)
                    """, logger: logger).collect().first
                var block = CandidateBlock(capacity: blockSize)
                if let row { try Self.unpack(row, into: &block) }
                block.isLast = end > high
                try body(block)
                start = end
            }
        }
    }

    /// Appends the tokens of one block: five arrays of one length, in PostgreSQL's binary array format.
    private static func unpack(_ row: PostgresRow, into block: inout CandidateBlock) throws {
        var cells = row.makeIterator()
        guard let first = cells.next()?.bytes else { return }  // no token in this range of ids
        var serials = try BinaryArray(first)
        guard var sealed = try cells.next()?.bytes.map(BinaryArray.init), var intervals = try cells.next()?.bytes.map(BinaryArray.init),
              var hashes = try cells.next()?.bytes.map(BinaryArray.init), var drifts = try cells.next()?.bytes.map(BinaryArray.init),
              [sealed.count, intervals.count, hashes.count, drifts.count].allSatisfy({ $0 == serials.count }) else {
            throw StoreError.database("a block of find's candidates came back malformed")
        }
        for _ in 0..<serials.count {
            guard let serial = serials.next(), let secret = sealed.next(), let interval = intervals.nextInteger(),
                  let hash = hashes.next(), let drift = drifts.nextInteger() else {
                throw StoreError.database("a block of find's candidates came back cut short")
            }
            serial.withUnsafeReadableBytes { serialBytes in
                secret.withUnsafeReadableBytes { sealedBytes in
                    block.append(serial: serialBytes, sealed: sealedBytes, interval: UInt64(max(0, interval)),
                                 hash: hashAlgorithm(hash), drift: Int(drift))
                }
            }
        }
    }

    /// One user's tokens, as rows.
    private func userCandidates(_ connection: PostgresConnection, digits: Int, userKey: String,
                                _ body: (CandidateBlock) throws -> Void) async throws {
        let rows = try await connection.query("""
            SELECT serial, sealed_secret, interval, hash, drift FROM token WHERE digits = \(digits) AND user_key = \(userKey)
            """, logger: logger)
        var block = CandidateBlock(capacity: MethodLimit.perUser)
        for try await row in rows {
            var cells = row.makeIterator()
            guard let serial = cells.next()?.bytes, let sealed = cells.next()?.bytes, let interval = cells.next(),
                  let hash = cells.next()?.bytes, let drift = cells.next() else {
                throw StoreError.database("a token row of find came back incomplete")
            }
            let step = UInt64(max(0, try Self.integer(interval))), steps = Int(try Self.integer(drift))
            serial.withUnsafeReadableBytes { serialBytes in
                sealed.withUnsafeReadableBytes { sealedBytes in
                    block.append(serial: serialBytes, sealed: sealedBytes, interval: step, hash: Self.hashAlgorithm(hash), drift: steps)
                }
            }
        }
        block.isLast = true
        try body(block)
    }

    /// A BIGINT cell: eight big-endian bytes in binary format (else decoded the slow way).
    private static func integer(_ cell: PostgresCell) throws -> Int64 {
        if cell.format == .binary, let bytes = cell.bytes, bytes.readableBytes == 8,
           let value = bytes.getInteger(at: bytes.readerIndex, as: Int64.self) {
            return value
        }
        return try cell.decode(Int64.self)
    }

    /// The stored hash name, without a `String` for the usual SHA-1.
    private static func hashAlgorithm(_ bytes: ByteBuffer) -> HashAlgorithm {
        if bytes.readableBytesView.elementsEqual("sha1".utf8) { return .sha1 }
        return HashAlgorithm(rawValue: String(buffer: bytes)) ?? .sha1
    }
}
