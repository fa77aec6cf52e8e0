import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VetFixtures
import VetService
import VetTestSupport

/// The multi-worker deployment of docs/deployment.md, through the binaries: `modelvet serve --workers 0`
/// and two `modelvet worker` processes sharing one PostgreSQL database.
@Suite("vetting service end to end (PostgreSQL, two worker processes)")
struct ServiceEndToEndTests {
    @Test("200 scans submitted concurrently over HTTP; one worker killed with SIGKILL mid-run; every job finishes exactly once with the right verdict",
          .enabled(if: TestPostgres.url != nil, TestPostgres.missing), .timeLimit(.minutes(20)))
    func twoWorkersOneKilled() async throws {
        let database = try TestPostgres.freshSchemaURL().orThrow(TestPostgres.missing)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture

        let server = try RunningModelVet(["serve", "--listen", "127.0.0.1:0", "--database", database, "--workers", "0", "--data", dir + "/data",
                                          "--log-level", "warning"], log: dir + "/serve.log")
        defer { server.stop() }
        let base = try await server.waitFor("http://127\\.0\\.0\\.1:[0-9]+")
        let token = try String(contentsOfFile: dir + "/data/initial-admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        // 200 distinct files, a third of them malicious (vet's verdict: danger), the rest plain pickles (vet: warning,
        // since any pickle can run code when loaded); submitted 20 at a time.
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var expected: [String: String] = [:]
        do {
            try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                for i in 0..<200 {
                    if i >= 20, let (id, malicious) = try await group.next() { expected[id] = malicious ? "danger" : "warning" }
                    group.addTask {
                        let malicious = i % 3 == 0
                        let bytes = malicious ? PickleAssembler.callPickle("os", "system", ["echo modelvet-e2e \(i)"])
                            : PickleAssembler.benignPickle() + Array("\(i)".utf8)
                        var request = HTTPClientRequest(url: base + "/api/v1/scans")
                        request.method = .POST
                        request.headers.add(name: "Authorization", value: "Bearer " + token)
                        request.headers.add(name: "Content-Type", value: "application/octet-stream")
                        request.headers.add(name: "X-Filename", value: "model-\(i).pkl")
                        request.body = .bytes(ByteBuffer(bytes: bytes))
                        let response = try await client.execute(request, timeout: .seconds(300))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        guard response.status == .accepted,
                              let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any], let id = object["id"] as? String else {
                            throw MissingSetup(description: "submission \(i) answered \(response.status): \(String(buffer: body))")
                        }
                        return (id, malicious)
                    }
                }
                for try await (id, malicious) in group { expected[id] = malicious ? "danger" : "warning" }
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        #expect(expected.count == 200)

        // Two workers; the first is killed once it has done a few jobs (it may hold one, which must come back).
        let first = try RunningModelVet(["worker", "--database", database, "--lease", "20", "--poll", "0.2"], log: dir + "/worker-1.log")
        let second = try RunningModelVet(["worker", "--database", database, "--lease", "20", "--poll", "0.2"], log: dir + "/worker-2.log")
        defer { second.stop(); first.stop(SIGKILL) }
        _ = try await first.waitFor("job [0-9a-f-]+ done", count: 5, timeout: 600)
        #expect(first.stop(SIGKILL) == 128 + SIGKILL)

        // The second worker finishes the rest, including any job the first held when it died (after its lease).
        let store = try await ServiceDatabase.open(database)
        let deadline = Date().addingTimeInterval(900)  // alone it takes seconds; the whole suite on 2 cores slows it many times
        var counts: [ScanJob.Status: Int] = [:]
        while Date() < deadline {
            counts = try await store.counts()
            if counts[.done, default: 0] + counts[.failed, default: 0] == 200 { break }
            try await Task.sleep(nanoseconds: 500_000_000)
        }
        #expect(second.stop(SIGTERM) == 0, "\(second.output.suffix(1000))")
        #expect(counts[.done] == 200, "\(counts)")

        // Each job done once, with vet's verdict, by exactly one worker's recorded completion.
        let completions = (first.output + second.output).split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: #"job [0-9a-f-]{36} done"#, options: .regularExpression) else { return nil }
            return String(line[range].dropFirst(4).prefix(36))
        }
        let distinct = Set(completions)
        #expect(completions.count == 200 && distinct.count == 200, "\(completions.count) completions, \(distinct.count) distinct")
        for (id, verdict) in expected {
            let job = try #require(await store.job(id: id))
            #expect(job.status == ScanJob.Status.done && job.verdict == verdict, "\(job)")
        }
        // A job may have needed a second attempt (the one the killed worker held, or one whose heartbeat came
        // late on a loaded machine); the completion lines above show it was still completed once.
        if let postgres = store as? PostgresJobStore { try await postgres.dropSchema() }
        await store.close()
    }
}

/// `modelvet serve` through the binary, checked from outside: the web UI in Chromium, the API against its
/// OpenAPI document.
@Suite("vetting service from outside (Chromium, OpenAPI)")
struct ServiceOutsideTests {
    /// Starts `modelvet serve` on SQLite in `dir`; returns it, its base URL and the admin token's file.
    static func serve(_ dir: String) async throws -> (RunningModelVet, String, String) {
        let server = try RunningModelVet(["serve", "--listen", "127.0.0.1:0", "--data", dir + "/data"], log: dir + "/serve.log")
        let base = try await server.waitFor("http://127\\.0\\.0\\.1:[0-9]+")
        return (server, base, dir + "/data/initial-admin-token")
    }

    static func temporary(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("the web UI in headless Chromium: sign-in, upload of a malicious pickle, its verdict and report; no console error, CSP violation or foreign request",
          .enabled(if: Browser.chromium != nil, "MODELVET_CHROMIUM is not set (scripts/test.sh installs Debian's chromium)"))
    func webUIInChromium() async throws {
        let dir = try Self.temporary("webui")
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let (server, base, tokenFile) = try await Self.serve(dir)
        defer { server.stop() }
        let model = dir + "/suspicious-model.pkl"
        try Data(PickleAssembler.callPickle("os", "system", ["touch \(dir)/payload-ran"])).write(to: URL(fileURLWithPath: model))
        let check = try await CLI.processOffPool(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", Repository.url("scripts/check_web_ui.py").path, base, tokenFile, model, dir + "/out",
            "--chromium", Browser.chromium ?? "", "--expect-verdict", "danger",
        ], environment: ["MODELVET_TIMEOUT_SCALE": "5"])
        #expect(check.status == 0, "\(check.stdout.suffix(3000))\n\(check.stderr.suffix(1000))")
        #expect(check.stdout.contains("\"ok\": true"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/payload-ran"), "the upload was never loaded")
        #expect(server.stop(SIGTERM) == 0, "serve exits 0 on SIGTERM: \(server.output.suffix(1000))")
    }

    @Test("docs/openapi.json is a valid OpenAPI 3.1 document (openapi-spec-validator 0.9.0)",
          .enabled(if: ProcessInfo.processInfo.environment["MODELVET_MODEL_SIGNING_PYTHON"] != nil,
                   "the test virtual environment is missing: run scripts/test.sh"))
    func documentIsValid() async throws {
        let python = ProcessInfo.processInfo.environment["MODELVET_MODEL_SIGNING_PYTHON"] ?? "python3"
        let check = try await CLI.processOffPool(URL(fileURLWithPath: python), ["-m", "openapi_spec_validator", Repository.url("docs/openapi.json").path])
        #expect(check.status == 0 && check.stdout.contains("OK"), "\(check.stdout)\(check.stderr)")
        var broken = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Repository.url("docs/openapi.json"))) as? [String: Any])
        broken["paths"] = ["/api/v1/scans": ["get": ["responses": "none"]]]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("broken-openapi-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }  // clean-up of a temporary fixture
        try JSONSerialization.data(withJSONObject: broken).write(to: file)
        let refused = try await CLI.processOffPool(URL(fileURLWithPath: python), ["-m", "openapi_spec_validator", file.path])
        #expect(refused.status != 0, "the validator refuses a broken document")
    }

    @Test("the running API matches its OpenAPI document: the served document is docs/openapi.json, and each call's status and body are declared")
    func apiMatchesDocument() async throws {
        let dir = try Self.temporary("openapi")
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        let (server, base, tokenFile) = try await Self.serve(dir)
        defer { server.stop() }
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let check = try await CLI.processOffPool(URL(fileURLWithPath: "/usr/bin/env"), ["python3", Repository.url("scripts/check_openapi.py").path, base, token],
                                    environment: ["MODELVET_TIMEOUT_SCALE": "5"])
        #expect(check.status == 0, "\(check.stdout.suffix(3000))\n\(check.stderr.suffix(1000))")
        let embedded = try await CLI.processOffPool(URL(fileURLWithPath: "/usr/bin/env"), ["python3", Repository.url("scripts/embed_openapi.py").path, "--check"])
        #expect(embedded.status == 0, "Sources/VetServer/OpenAPIDocument.swift is docs/openapi.json: \(embedded.stdout)\(embedded.stderr)")
    }
}
