import Mustache

/// HTML escaping by Unicode scalar, for every Mustache template ModelVet renders (the HTML report and the
/// service's pages). swift-mustache's own HTML escaper looks characters up by grapheme cluster, so a `<`
/// or `"` joined into one cluster with a neighbouring scalar (a combining mark after it, a prepended
/// letter such as U+0D4E before it) is not recognised and reaches the page raw. This one replaces each
/// `&`, `<`, `>`, `"` and `'` scalar wherever it stands.
public enum HTMLEscaping {
    /// The pragma each template starts with (partials too: the engine resets the content type in each).
    public static let pragma = "{{% CONTENT_TYPE: modelvet-html}}"

    /// Registers the content type with the engine; call before parsing a template that names it.
    public static func register() { _ = registration }

    private static let registration: Void = { MustacheContentTypes.register(ScalarHTML(), named: "modelvet-html") }()

    public static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    struct ScalarHTML: MustacheContentType {
        func escapeText(_ text: String) -> String { HTMLEscaping.escape(text) }
    }
}
