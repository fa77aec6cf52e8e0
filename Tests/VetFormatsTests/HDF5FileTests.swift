import VetFixtures
import Foundation
import Testing
import VetBytes
import VetFormats

/// Committed h5py-written files (Fixtures/generate_keras.py) and hand-built hostile ones.
enum KerasFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/files/keras")

    static func source(_ name: String) throws -> ByteSource {
        try ByteSource.mapFile(atPath: folder.appendingPathComponent(name).path)
    }
}

@Suite("HDF5 reader")
struct HDF5FileTests {
    @Test("legacy Keras files from h5py: root and model_weights attributes and children",
          arguments: ["legacy_sequential.h5", "legacy_bytes_config.h5", "legacy_latest.h5", "legacy_userblock.h5"])
    func legacyLayout(name: String) throws {
        let file = try HDF5File.open(try KerasFixtures.source(name))
        let attributes = try file.rootAttributes()
        let byName = Dictionary(attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(byName["keras_version"]?.string == "2.12.0")
        #expect(byName["backend"]?.string == "tensorflow")
        let config = try #require(byName["model_config"]?.string)
        #expect(config.hasPrefix(#"{"class_name": "Sequential""#))
        #expect(byName["training_config"]?.string?.contains("Adam") == true)
        #expect(try file.children().map(\.name) == ["model_weights"])
        let weights = try file.attributes(at: "model_weights")
        #expect(weights.first { $0.name == "layer_names" }?.value == .strings(["dense", "dense_1"]))
        #expect(try file.children(at: "model_weights").map(\.name).sorted() == ["dense", "dense_1"])
        #expect(try file.attributes(at: "model_weights/dense").first?.value == .strings(["dense/kernel:0", "dense/bias:0"]))
        if name == "legacy_latest.h5" { #expect(file.superblock.version >= 2) } else { #expect(file.superblock.version == 0) }
        if name == "legacy_userblock.h5" { #expect(file.superblock.offset == 512) }
    }

    @Test("numeric attributes and a group whose symbol table spans several nodes")
    func numbersAndManyChildren() throws {
        let file = try HDF5File.open(try KerasFixtures.source("many_groups.h5"))
        let byName = Dictionary(try file.rootAttributes().map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(byName["count"] == .integers([12]))
        #expect(byName["scale"] == .floats([0.5]))
        #expect(byName["shape"] == .integers([3, 4]))
        #expect(try file.children().map(\.name).sorted() == (0..<12).map { "group_" + ($0 < 10 ? "0" : "") + String($0) })
    }

    @Test("attributes in dense storage (fractal heap and v2 B-tree name index) are read",
          arguments: [("dense_attributes.h5", 12), ("dense_attributes_100.h5", 100)])
    func denseAttributes(name: String, count: Int) throws {
        let file = try HDF5File.open(try KerasFixtures.source(name))
        #expect(file.superblock.version >= 2)
        let attributes = try file.rootAttributes()
        #expect(attributes.count == count)
        #expect(Set(attributes.map { "\($0.name)=\($0.value.string ?? "")" }) == Set((0..<count).map { "attribute_\($0)=value \($0)" }))
    }

    @Test("links in dense storage are listed and followed")
    func denseLinks() throws {
        let file = try HDF5File.open(try KerasFixtures.source("dense_links.h5"))
        #expect(try file.children().map(\.name).sorted() == (0..<40).map { "group_" + ($0 < 10 ? "0" : "") + String($0) })
        #expect(try file.attributes(at: "group_07").map(\.value) == [.integers([7])])
    }

    @Test("dense storage this reader does not implement is a typed unsupported error, never skipped")
    func denseUnsupported() throws {
        let original = try KerasFixtures.source("dense_attributes.h5").prefixBytes(length: 1 << 20)
        let index = try #require(ByteSource(original).firstIndex(of: Array("BTHD".utf8)))
        var deeper = original
        deeper[index + 12] = 2 // name index depth
        var huge = original
        let heapIDs = try #require(ByteSource(original).firstIndex(of: Array("BTLF".utf8)))
        huge[heapIDs + 6] = 0x10 // first record's heap ID: a huge object
        for bytes in [deeper, huge] {
            do {
                _ = try HDF5File.open(ByteSource(bytes)).rootAttributes()
                Issue.record("expected an error")
            } catch {
                #expect(error.kind == .unsupported, "\(error)")
            }
        }
    }

    @Test("builder output reads back, with and without a user block")
    func builder() throws {
        for userBlock in [0, 512] {
            let bytes = HDF5Builder().attribute("model_config", string: #"{"a":1}"#).attribute("backend", string: "jax")
                .userBlock(userBlock).bytes()
            let file = try HDF5File.open(ByteSource(bytes))
            #expect(try file.rootAttributes().map(\.value) == [.strings([#"{"a":1}"#]), .strings(["jax"])])
            #expect(try file.children().isEmpty)
        }
    }

    @Test("a continuation chain that loops is an error")
    func continuationLoop() throws {
        let file = try HDF5File.open(ByteSource(HDF5Builder().attribute("x", string: "y").loopingContinuation().bytes()))
        do {
            _ = try file.rootAttributes()
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.message.contains("loops"))
        }
    }

    @Test("no signature, or garbage after it, is a typed error")
    func garbage() throws {
        #expect(throws: HDF5Error.self) { try HDF5File.open(ByteSource(Array("not hdf5".utf8))) }
        var bytes = HDF5File.signature + [9] + [UInt8](repeating: 0xFF, count: 100)
        #expect(throws: HDF5Error.self) { try HDF5File.open(ByteSource(bytes)) }
        bytes = HDF5File.signature + [0] + [UInt8](repeating: 0xFF, count: 100)
        #expect(throws: HDF5Error.self) { try HDF5File.open(ByteSource(bytes)).rootAttributes() }
    }

    @Test("every prefix and many corruptions of real files end in a value or a typed error",
          arguments: ["legacy_sequential.h5", "legacy_latest.h5", "many_groups.h5", "dense_attributes_100.h5", "dense_links.h5"])
    func prefixesAndCorruption(name: String) throws {
        let whole = try KerasFixtures.source(name).prefixBytes(length: 1 << 20)
        func exercise(_ bytes: [UInt8]) {
            guard let file = try? HDF5File.open(ByteSource(bytes)) else { return }
            _ = try? file.rootAttributes()
            _ = try? file.children()
            _ = try? file.attributes(at: "model_weights")
            _ = try? file.children(at: "model_weights/dense")
            _ = try? file.attributes(at: "group_07")
        }
        for length in stride(from: 0, through: whole.count, by: name.hasPrefix("legacy") ? 3 : 7) {
            exercise(Array(whole[0..<length]))
        }
        var state: UInt64 = 0x5EED
        for _ in 0..<2_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var bytes = whole
            let position = Int((state >> 33) % UInt64(bytes.count))
            bytes[position] = UInt8(truncatingIfNeeded: state >> 17)
            exercise(bytes)
        }
    }
}
