import VetCore
import VetPickle

/// Runs every pickle rule over one pickle stream.
public enum PickleRules {
    /// Reports the findings of all pickle rules for `stream`, located inside `location`.
    public static func check(_ stream: PickleStream, at location: Location, context: RuleContext, into sink: inout FindingSink) {
        for program in stream.programs {
            for (index, imported) in program.imports.enumerated() {
                let verdict = ForwardingGlobals.verdict(for: index, in: program, policy: context.imports)
                    ?? TorchModuleClasses.verdict(for: index, in: program)
                    ?? context.imports.classify(imported)
                report(imported, verdict: verdict, scriptClass: isScriptClass(index, in: program), at: location, into: &sink)
            }
            PickleExtensionRule.check(program, at: location, into: &sink)
            PickleGlobalMutationRule.check(program, at: location, into: &sink)
            PickleAnomalyRules.report(program.anomalies, at: location, into: &sink)
            PickleCallCost.check(program, at: location, into: &sink)
            TorchModuleClasses.checkStates(program, at: location, into: &sink)
            NumpyObjectBytesRule.check(program, at: location, into: &sink)
        }
        PickleAnomalyRules.report(stream.anomalies, at: location, into: &sink)
        PickleUnaccountedDataRule.check(stream, at: location, into: &sink)
        PickleEmbeddedPickleRule.check(stream, at: location, into: &sink)
    }

    /// A class the loading script itself defines (`__main__.Name`, no dotted path), only instantiated
    /// the way pickle rebuilds an ordinary object: importing it runs no module code, because `__main__`
    /// is already loaded, and no constructor is called. `torch.save(model)` from a script writes these.
    static func isScriptClass(_ index: Int, in program: PickleProgram) -> Bool {
        let imported = program.imports[index]
        return imported.isResolved && imported.module == "__main__" && !imported.name.contains(".")
            && TorchModuleClasses.onlyInstantiated(index, in: program)
    }

    static func report(_ imported: PickleImport, verdict: ImportVerdict, scriptClass: Bool = false,
                       at location: Location, into sink: inout FindingSink) {
        if verdict == .safe { return }
        let evidence = evidence(for: imported)
        let place = location.at(imported.offset)
        switch verdict {
        case .safe: return
        case let .dangerous(category, matched):
            // A dormant second stage runs only if the outer value is unpickled again: high, not critical.
            sink.report(PickleDangerousImportRule.descriptor,
                        (imported.dormant ? "dormant second stage: " : "")
                            + "\(imported.opcode.name) imports \(imported.qualifiedName) (\(category): matches `\(matched)`)",
                        at: place, evidence: evidence, severity: imported.dormant ? .high : nil)
        case let .traversal(component):
            sink.report(PickleAttributeTraversalRule.descriptor,
                        "\(imported.opcode.name) imports \(imported.qualifiedName), walking through `\(component)`",
                        at: place, evidence: evidence)
        case .unresolved:
            sink.report(PickleUnresolvedImportRule.descriptor,
                        "\(imported.opcode.name) imports a name that is not a constant: " + imported.notes.joined(separator: "; "),
                        at: place, evidence: evidence)
        case .unknown:
            // Likewise one step down for a dormant unknown name, or a script's own class only
            // instantiated: low, not medium.
            let note = scriptClass ? " (a class of the loading script, only instantiated without arguments)" : ""
            sink.report(PickleUnknownImportRule.descriptor,
                        (imported.dormant ? "dormant second stage: " : "")
                            + "\(imported.opcode.name) imports \(imported.qualifiedName), which is not on the allowlist" + note,
                        at: place, evidence: evidence, severity: imported.dormant || scriptClass ? .low : nil)
        }
    }

    static func evidence(for imported: PickleImport) -> String {
        var text = imported.disassembly
        if let call = imported.callSite {
            // The call site window usually overlaps the import's; show only the instructions that follow it.
            let shown = Set(imported.disassembly.split(separator: "\n"))
            let rest = call.split(separator: "\n").filter { !shown.contains($0) }
            if !rest.isEmpty { text += "\n" + rest.joined(separator: "\n") }
        }
        if !imported.notes.isEmpty { text += "\n  note: " + imported.notes.joined(separator: "; ") }
        return text
    }
}

/// The pickle machine's anomaly kinds and the rules that report them.
public enum PickleAnomalyRules: AnomalyRuleTable {
    public static func rule(for kind: PickleAnomalyKind) -> RuleDescriptor {
        switch kind {
        case .truncated, .invalidOpcode, .inconsistentStack, .frameViolation, .protocolMismatch: PickleMalformedRule.descriptor
        case .oversizedOperand, .resourceLimit: PickleResourceLimitRule.descriptor
        }
    }
}
