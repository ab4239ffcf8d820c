import TokenDomain
import TokenImport

extension TokenService {
    /// Validates a token file against the store and stores the accepted rows, all in one transaction.
    ///
    /// The file rules (`FileValidator`, with the method limit set here) read the store inside the
    /// transaction that writes, under the store's ownership lock, so an import racing an assign or
    /// another import for one serial or a user's last slot cannot let both win.
    /// - Parameters:
    ///   - handlers: receive findings and rejected rows (the error report); `accepted` is set by the backend.
    public func importTokens(_ input: TokenInput, validator: FileValidator = FileValidator(), options: ImportOptions,
                             handlers: FileValidator.Handlers, context: OperationContext) async throws -> ImportResult {
        var validator = validator
        validator.maxMethodsPerUser = MethodLimit.perUser
        let stamp = AuditStamp(at: clock(), context: context)
        let result: ImportResult
        do {
            result = try await lanes.bulk.run {
                try await repository.importTokens(input, validator: validator, options: options, handlers: handlers, stamp: stamp)
            }
        } catch {
            log(refusal: error, context: context)
            throw error
        }
        if let batch = result.batch, result.committed {
            log([stamp.entry(.imported(result.tally(batch: batch, fileName: options.fileName)))])
        }
        return result
    }

    /// Checks a token file without storing anything (the server's `POST /validate`), on the bulk lane.
    public func validate(_ input: TokenInput, validator: FileValidator, handlers: FileValidator.Handlers) async throws -> ValidationSummary {
        try await lanes.bulk.run { try input.validate(with: validator, handlers: handlers) }
    }

    /// The error report kept with a committed import's batch, as `oathctl validate` writes it.
    public func report(batch: Int64) async throws -> [UInt8] {
        switch try await lanes.bulk.run({ try await repository.report(batch: batch) }) {
        case let .csv(csv): csv
        case .notKept: throw StoreError.reportNotKept(batch: batch)
        case .noSuchBatch: throw StoreError.batchNotFound(batch)
        }
    }
}
