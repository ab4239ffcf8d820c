import Foundation
import Hummingbird
import TokenDomain
import TokenImport
import TokenService

extension APIServer {
    /// Token files (admin): `POST /validate` checks one as `oathctl validate` does, `POST /imports`
    /// loads it as `oathctl import` does, `GET /imports/{batch}/report` returns a batch's report.
    func addUploadRoutes(_ api: RouterGroup<APIContext>) {
        api.post("validate") { request, context -> Response in
            _ = try context.require(.importTokens)
            let settings = try UploadSettings(request)
            let spool = try await UploadSpool.receive(request, limit: maxUploadBytes)
            let collected = CollectedFindings()
            let summary = try await call {
                try await Self.unusable {
                    try await service.validate(settings.reading.input(path: spool.path), validator: settings.reading.validator(),
                                               handlers: collected.handlers)
                }
            }
            try collected.refuseUnusable(summary)
            // The report as a download, byte for byte what `oathctl validate` writes.
            if request.headers[.accept]?.contains("text/csv") == true {
                return Self.csv(collected.report.csv, name: settings.reportName)
            }
            return try UploadResult(settings: settings, summary: summary, findings: collected)
                .response(from: request, context: context)
        }
        api.post("imports") { request, context -> Response in
            let caller = try context.require(.importTokens)
            let settings = try UploadSettings(request)
            let spool = try await UploadSpool.receive(request, limit: maxUploadBytes)
            let collected = CollectedFindings()
            let input = try await Self.unusable { try settings.reading.input(path: spool.path) }
            let options = ImportOptions(fileName: settings.name, sha256: spool.sha256, atomic: settings.atomic, report: collected.report)
            let result = try await call {
                try await Self.unusable {
                    try await service.importTokens(input, validator: settings.reading.validator(), options: options,
                                                   handlers: collected.handlers, context: context.service(caller))
                }
            }
            try collected.refuseUnusable(result.summary)
            var body = UploadResult(settings: settings, summary: result.summary, findings: collected)
            body.stored = StoreCounts(result)
            body.report = result.batch.map { "/api/v1/imports/\($0)/report" }
            var response = try body.response(from: request, context: context)
            if result.committed { response.status = .created }
            return response
        }
        api.get("imports/:batch/report") { _, context -> Response in
            _ = try context.require(.readAudit)
            let text = try context.parameters.require("batch")
            guard let batch = Int64(text), batch > 0 else {
                throw APIError(.badRequest, code: "batch_invalid", message: "a batch is a positive number, as GET /api/v1/batches lists it")
            }
            let csv = try await call { try await service.report(batch: batch) }
            return Self.csv(csv, name: "Failures_batch_\(batch).csv")
        }
    }

    /// A CSV download.
    private static func csv(_ bytes: [UInt8], name: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Runs a pass, turning a file the reader cannot use into 422 with the reader's words.
    private static func unusable<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as ByteSourceError {
            throw APIError(.unprocessableContent, code: "file_unreadable", message: error.description)
        } catch let error as CSVReadError {
            throw APIError(.unprocessableContent, code: "file_unreadable", message: error.description)
        }
    }
}

/// The findings of one pass: all of them in the kept report (the CSV), the first ones for the
/// JSON answer (a million-row file of bad rows must not become a million-object reply).
final class CollectedFindings {
    static let shown = 1_000
    let report = KeptReport()
    private(set) var first: [FindingView] = []
    /// The first few errors' words (not warnings), for a refusal.
    private var problems: [String] = []

    /// 422 for a file that cannot be used as a whole (no header, a missing column, not UTF-8), in
    /// the findings' words.
    func refuseUnusable(_ summary: ValidationSummary) throws {
        guard summary.fileUnusable else { return }
        throw APIError(.unprocessableContent, code: "file_unusable", message: "the file cannot be used: " + problems.joined(separator: "; "))
    }

    var handlers: FileValidator.Handlers {
        FileValidator.Handlers { [self] finding in
            report.add(finding)
            if first.count < Self.shown { first.append(FindingView(finding)) }
            if !finding.isWarning, problems.count < 3 { problems.append(finding.message) }
        }
    }
}
