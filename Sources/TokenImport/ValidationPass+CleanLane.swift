import OATHCore

extension ValidationPass {
    /// The clean lane (`CleanRow`): accepts a row with no finding without the full check's strings;
    /// false when the row needs the full check.
    mutating func acceptClean(_ record: CSVRecord, header: Header) throws -> Bool {
        guard let serialColumn, let secretColumn, serialColumn < record.ranges.count, secretColumn < record.ranges.count else {
            return false
        }
        // Each closure over the record's bytes captures ranges and numbers, never the record:
        // a closure that captured it made a copy of the record per row (a tenth of `validate`).
        let serialRange = record.ranges[serialColumn], secretRange = record.ranges[secretColumn]
        // Both table lookups are started first, so their memory accesses overlap the row's own
        // checks: with a million rows each is a memory round trip.
        let (serialHash, seedPrint) = record.bytes.withUnsafeBufferPointer { bytes in
            let serialHash = fileRules.prefetchSerial(UnsafeBufferPointer(rebasing: bytes[RowRules.trimmed(serialRange, in: bytes)]))
            let seedPrint = RowRules.seedPrint(base32: UnsafeBufferPointer(rebasing: bytes[RowRules.trimmed(secretRange, in: bytes)]))
            if let seedPrint { fileRules.prefetchSeed(seedPrint) }
            return (serialHash, seedPrint)
        }
        guard let seedPrint, let clean = validator.rules.cleanRow(record, header: header) else { return false }
        let seed = storeNeedsSeed ? (try? Base32.decode(utf8: record.bytes[clean.secret], maxLength: nil)) : nil
        var token: ValidToken?
        if handlers.accepted != nil {
            guard let made = clean.token(in: record) else { return false }
            token = made
        }
        let line = record.line
        let accepted = try record.bytes.withUnsafeBufferPointer { bytes in
            try fileRules.acceptClean(serial: UnsafeBufferPointer(rebasing: bytes[clean.serial]), serialHash: serialHash,
                                      upn: UnsafeBufferPointer(rebasing: bytes[clean.upn]), seedPrint: seedPrint,
                                      seed: seed.map { Secret(bytes: $0) }, line: line)
        }
        guard accepted else { return false }
        summary.rowsRead += 1
        if let token, let refusal = try deliver(token) {
            try report(refusal)
            summary.rejected += 1
            try handlers.rejected(record, headerRecord)
            return true
        }
        summary.accepted += 1
        return true
    }
}
