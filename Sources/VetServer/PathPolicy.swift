import Foundation

/// Server-side paths a submitter may name: only under the roots the operator allowed (`--allow-path`),
/// absolute, without `..`, and — once every symbolic link is resolved — still under the root's own
/// resolved path, so a link inside a root cannot lead out of it.
public struct PathPolicy: Sendable {
    /// The allowed roots, resolved.
    public let roots: [String]
    /// The same roots as the operator wrote them (absolute), for the check of the path as written.
    let given: [String]

    /// Resolves each root; a root that does not exist is an error (a typo would silently allow nothing).
    public init(roots: [String]) throws {
        self.roots = try roots.map { root in
            guard let resolved = Self.resolve(root) else { throw PathPolicyError(status: 400, message: "--allow-path \(root) does not exist") }
            return resolved
        }
        given = roots.map { root in
            let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
            return "/" + absolute.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        }
    }

    /// `realpath(3)`: the absolute path with every link resolved, or nil when it does not exist.
    static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Compared as bytes: Swift's String comparison treats canonically equivalent spellings as equal, and
    /// the file system does not (`/srv/e\u{301}quipe` is not inside `/srv/\u{e9}quipe`).
    static func isInside(_ path: String, _ root: String) -> Bool {
        let prefix = Array((root.hasSuffix("/") ? root : root + "/").utf8)
        return Array(path.utf8) == Array(root.utf8) || Array(path.utf8).starts(with: prefix)
    }

    /// The resolved path to vet, or the reason it is refused: 400 for a malformed path, 403 for one outside
    /// the allowed roots (or when none are allowed), 404 for one that does not exist under a root.
    public func confine(_ path: String) throws -> String {
        guard !roots.isEmpty else {
            throw PathPolicyError(status: 403, message: "server-side paths are not enabled on this server (it has no --allow-path)")
        }
        guard !path.isEmpty, path.utf8.count <= 4096, !path.contains("\0") else { throw PathPolicyError(status: 400, message: "the path is empty, too long or contains NUL") }
        guard path.hasPrefix("/") else { throw PathPolicyError(status: 400, message: "the path must be absolute") }
        let components = path.split(separator: "/")
        guard !components.contains(where: { $0 == ".." || $0 == "." }) else {
            throw PathPolicyError(status: 400, message: "the path must not contain '.' or '..' components")
        }
        let normalised = "/" + components.joined(separator: "/")
        // The path as written must be under a root, as the operator wrote it or resolved.
        guard (roots + given).contains(where: { Self.isInside(normalised, $0) }) else {
            throw PathPolicyError(status: 403, message: "the path is outside the server's allowed roots")
        }
        guard let resolved = Self.resolve(normalised) else {
            // Missing: but say so only if what does exist of it stays inside a root, so that a link out of a
            // root cannot be used to learn which files exist beyond it.
            var existing = components.dropLast()
            while !existing.isEmpty, Self.resolve("/" + existing.joined(separator: "/")) == nil { existing = existing.dropLast() }
            let prefix = Self.resolve("/" + existing.joined(separator: "/")) ?? "/"
            guard roots.contains(where: { Self.isInside(prefix, $0) }) else {
                throw PathPolicyError(status: 403, message: "the path leads outside the allowed roots through a symbolic link")
            }
            throw PathPolicyError(status: 404, message: "no such file or folder under the allowed roots")
        }
        guard roots.contains(where: { Self.isInside(resolved, $0) }) else {
            throw PathPolicyError(status: 403, message: "the path leads outside the allowed roots through a symbolic link")
        }
        return resolved
    }
}

public struct PathPolicyError: Error, Equatable, CustomStringConvertible {
    public let status: Int
    public let message: String
    public var description: String { message }
}
