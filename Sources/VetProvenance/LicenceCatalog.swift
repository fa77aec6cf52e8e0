/// A licence modelvet recognises: its identifiers, whether it is open in the Model Openness Framework's
/// sense (an OSI-approved licence, or an open data licence for data, documentation and weights), and the
/// use restrictions that matter before deploying a model under it.
public struct LicenceEntry: Sendable, Hashable {
    public enum Category: String, Sendable, Codable {
        /// OSI-approved, few conditions beyond attribution.
        case permissive
        /// OSI-approved, derivatives must stay under the same terms.
        case copyleft
        /// Open data and content licences (Creative Commons BY/BY-SA, CC0, CDLA).
        case openData = "open-data"
        /// Responsible AI licences: open-ish terms plus behavioural use restrictions that travel with the model.
        case responsibleAI = "responsible-ai"
        /// A model vendor's own licence with commercial or use conditions.
        case customRestricted = "custom-restricted"
        /// No commercial use (or research and evaluation only).
        case nonCommercial = "non-commercial"
    }

    /// The Hugging Face licence identifier (the model card's `license:` value); the catalogue key.
    public let id: String
    public let name: String
    /// The SPDX identifier, when SPDX lists the licence.
    public let spdx: String?
    public let category: Category
    public let url: String?
    /// The key use restrictions, in a sentence each (empty for permissive licences).
    public let restrictions: [String]
    /// Phrases, lower case and single-spaced, that identify the licence's text in a LICENSE file; all of
    /// one group must occur. Checked in catalogue order, most specific first.
    let markers: [[String]]
    /// Other spellings seen in model cards and GGUF metadata.
    let aliases: [String]

    /// Open in the Model Openness Framework's sense.
    public var isOpen: Bool { [.permissive, .copyleft, .openData].contains(category) }
}

/// The licences modelvet recognises, and lookups by identifier and by text.
public enum LicenceCatalog {
    static let ragDerivatives = "The use restrictions must be passed on, as enforceable terms, to everyone who receives the model or a derivative."

    public static let all: [LicenceEntry] = [
        // Vendor licences first: their texts quote other licences' names.
        .init(id: "llama2", name: "Llama 2 Community License", spdx: nil, category: .customRestricted,
              url: "https://ai.meta.com/llama/license/",
              restrictions: ["Products with more than 700 million monthly active users need a separate licence from Meta.",
                             "Use must follow the Llama 2 Acceptable Use Policy.",
                             "The model and its outputs may not be used to improve other large language models (Llama 2 derivatives excepted)."],
              markers: [["llama 2 community license"]], aliases: ["llama-2", "llama 2"]),
        .init(id: "llama3", name: "Meta Llama 3 Community License", spdx: nil, category: .customRestricted,
              url: "https://llama.meta.com/llama3/license/",
              restrictions: ["Products with more than 700 million monthly active users need a separate licence from Meta.",
                             "Use must follow the Meta Llama 3 Acceptable Use Policy.",
                             "Redistribution must display \"Built with Meta Llama 3\", and derived models' names must begin with \"Llama 3\".",
                             "The model and its outputs may not be used to improve other large language models (Llama 3 derivatives excepted)."],
              markers: [["meta llama 3 community license"]], aliases: ["llama-3", "llama 3"]),
        .init(id: "llama3.1", name: "Llama 3.1 Community License", spdx: nil, category: .customRestricted,
              url: "https://llama.meta.com/llama3_1/license/",
              restrictions: ["Products with more than 700 million monthly active users need a separate licence from Meta.",
                             "Use must follow the Llama 3.1 Acceptable Use Policy.",
                             "Redistribution must display \"Built with Llama\", and models trained on it or its outputs must carry \"Llama\" at the start of their names."],
              markers: [["llama 3.1 community license"]], aliases: ["llama-3.1"]),
        .init(id: "llama3.2", name: "Llama 3.2 Community License", spdx: nil, category: .customRestricted,
              url: "https://www.llama.com/llama3_2/license/",
              restrictions: ["Products with more than 700 million monthly active users need a separate licence from Meta.",
                             "Use must follow the Llama 3.2 Acceptable Use Policy, which withholds the multimodal models' rights from individuals and companies in the European Union.",
                             "Redistribution must display \"Built with Llama\", and derived models' names must begin with \"Llama\"."],
              markers: [["llama 3.2 community license"]], aliases: ["llama-3.2"]),
        .init(id: "llama3.3", name: "Llama 3.3 Community License", spdx: nil, category: .customRestricted,
              url: "https://www.llama.com/llama3_3/license/",
              restrictions: ["Products with more than 700 million monthly active users need a separate licence from Meta.",
                             "Use must follow the Llama 3.3 Acceptable Use Policy.",
                             "Redistribution must display \"Built with Llama\", and derived models' names must begin with \"Llama\"."],
              markers: [["llama 3.3 community license"]], aliases: ["llama-3.3"]),
        .init(id: "llama4", name: "Llama 4 Community License", spdx: nil, category: .customRestricted,
              url: "https://www.llama.com/llama4/license/",
              restrictions: ["Products with more than 700 million monthly active users need a separate licence from Meta.",
                             "Use must follow the Llama 4 Acceptable Use Policy, which withholds the multimodal models' rights from individuals and companies in the European Union.",
                             "Redistribution must display \"Built with Llama\", and derived models' names must begin with \"Llama\"."],
              markers: [["llama 4 community license"]], aliases: ["llama-4"]),
        .init(id: "gemma", name: "Gemma Terms of Use", spdx: nil, category: .customRestricted,
              url: "https://ai.google.dev/gemma/terms",
              restrictions: ["Use must follow the Gemma Prohibited Use Policy.",
                             "Redistributions and derivatives must carry the same use restrictions and a copy of the terms.",
                             "Google may restrict use it reasonably believes breaks the terms."],
              markers: [["gemma terms of use"]], aliases: ["gemma-terms-of-use"]),
        .init(id: "qwen-research", name: "Qwen Research License", spdx: nil, category: .nonCommercial,
              url: nil, restrictions: ["Research and non-commercial use only."],
              markers: [["qwen research license"]], aliases: []),
        .init(id: "qwen", name: "Tongyi Qianwen License", spdx: nil, category: .customRestricted,
              url: nil, restrictions: ["Commercial products with more than 100 million monthly active users need a separate licence from Alibaba Cloud."],
              markers: [["tongyi qianwen license"], ["qwen license agreement"]], aliases: ["tongyi-qianwen"]),
        .init(id: "deepseek", name: "DeepSeek License Agreement", spdx: nil, category: .responsibleAI,
              url: nil, restrictions: ["Use may not fall under the agreement's use restrictions (its Attachment A).", ragDerivatives],
              markers: [["deepseek license agreement"]], aliases: []),
        .init(id: "mnpl", name: "Mistral AI Non-Production License", spdx: nil, category: .nonCommercial,
              url: "https://mistral.ai/licenses/MNPL-0.1.md", restrictions: ["Research, testing and evaluation only; no production or commercial use."],
              markers: [["mistral ai non-production license"]], aliases: ["mistral-ai-non-production-license"]),
        .init(id: "creativeml-openrail-m", name: "CreativeML OpenRAIL-M", spdx: nil, category: .responsibleAI,
              url: nil, restrictions: ["Use may not fall under the licence's use restrictions (its Attachment A).", ragDerivatives],
              markers: [["creativeml openrail-m"]], aliases: []),
        .init(id: "bigscience-bloom-rail-1.0", name: "BigScience BLOOM RAIL 1.0", spdx: nil, category: .responsibleAI,
              url: nil, restrictions: ["Use may not fall under the licence's use restrictions (its Attachment A).", ragDerivatives],
              markers: [["bigscience rail license"], ["bloom rail"]], aliases: []),
        .init(id: "bigscience-openrail-m", name: "BigScience OpenRAIL-M", spdx: nil, category: .responsibleAI,
              url: nil, restrictions: ["Use may not fall under the licence's use restrictions (its Attachment A).", ragDerivatives],
              markers: [["bigscience", "openrail"]], aliases: []),
        .init(id: "bigcode-openrail-m", name: "BigCode OpenRAIL-M", spdx: nil, category: .responsibleAI,
              url: nil, restrictions: ["Use may not fall under the licence's use restrictions (its Attachment A).", ragDerivatives],
              markers: [["bigcode", "openrail"]], aliases: []),
        .init(id: "openrail++", name: "OpenRAIL++-M", spdx: nil, category: .responsibleAI,
              url: nil, restrictions: ["Use may not fall under the licence's use restrictions (its Attachment A).", ragDerivatives],
              markers: [["openrail++"]], aliases: []),
        .init(id: "openrail", name: "Open RAIL", spdx: nil, category: .responsibleAI,
              url: nil, restrictions: ["Use may not fall under the licence's use restrictions.", ragDerivatives],
              markers: [["responsible ai license"], ["openrail"]], aliases: ["open-rail"]),
        // Creative Commons: the non-commercial and share-alike variants before plain BY.
        .init(id: "cc-by-nc-nd-4.0", name: "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0", spdx: "CC-BY-NC-ND-4.0", category: .nonCommercial,
              url: "https://creativecommons.org/licenses/by-nc-nd/4.0/", restrictions: ["No commercial use.", "No distribution of modified versions."],
              markers: [["attribution-noncommercial-noderivatives 4.0"]], aliases: []),
        .init(id: "cc-by-nc-sa-4.0", name: "Creative Commons Attribution-NonCommercial-ShareAlike 4.0", spdx: "CC-BY-NC-SA-4.0", category: .nonCommercial,
              url: "https://creativecommons.org/licenses/by-nc-sa/4.0/", restrictions: ["No commercial use.", "Adaptations must be shared under the same licence."],
              markers: [["attribution-noncommercial-sharealike 4.0"]], aliases: []),
        .init(id: "cc-by-nc-4.0", name: "Creative Commons Attribution-NonCommercial 4.0", spdx: "CC-BY-NC-4.0", category: .nonCommercial,
              url: "https://creativecommons.org/licenses/by-nc/4.0/", restrictions: ["No commercial use."],
              markers: [["attribution-noncommercial 4.0"]], aliases: []),
        .init(id: "cc-by-sa-4.0", name: "Creative Commons Attribution-ShareAlike 4.0", spdx: "CC-BY-SA-4.0", category: .openData,
              url: "https://creativecommons.org/licenses/by-sa/4.0/", restrictions: [],
              markers: [["attribution-sharealike 4.0"]], aliases: []),
        .init(id: "cc-by-4.0", name: "Creative Commons Attribution 4.0", spdx: "CC-BY-4.0", category: .openData,
              url: "https://creativecommons.org/licenses/by/4.0/", restrictions: [],
              markers: [["creative commons attribution 4.0 international"]], aliases: []),
        .init(id: "cc0-1.0", name: "Creative Commons Zero 1.0", spdx: "CC0-1.0", category: .openData,
              url: "https://creativecommons.org/publicdomain/zero/1.0/", restrictions: [],
              markers: [["cc0 1.0 universal"]], aliases: ["cc0"]),
        .init(id: "cdla-permissive-2.0", name: "Community Data License Agreement Permissive 2.0", spdx: "CDLA-Permissive-2.0", category: .openData,
              url: "https://cdla.dev/permissive-2-0/", restrictions: [],
              markers: [["community data license agreement", "permissive", "version 2.0"]], aliases: []),
        .init(id: "odc-by", name: "Open Data Commons Attribution License", spdx: "ODC-By-1.0", category: .openData,
              url: "https://opendatacommons.org/licenses/by/", restrictions: [],
              markers: [["open data commons attribution license"]], aliases: []),
        // Software licences.
        .init(id: "agpl-3.0", name: "GNU Affero General Public License v3.0", spdx: "AGPL-3.0-only", category: .copyleft,
              url: "https://www.gnu.org/licenses/agpl-3.0.html", restrictions: ["Offering the model over a network obliges you to offer its source, modifications included."],
              markers: [["gnu affero general public license"]], aliases: []),
        .init(id: "lgpl-3.0", name: "GNU Lesser General Public License v3.0", spdx: "LGPL-3.0-only", category: .copyleft,
              url: "https://www.gnu.org/licenses/lgpl-3.0.html", restrictions: [],
              markers: [["gnu lesser general public license", "version 3"]], aliases: []),
        .init(id: "gpl-3.0", name: "GNU General Public License v3.0", spdx: "GPL-3.0-only", category: .copyleft,
              url: "https://www.gnu.org/licenses/gpl-3.0.html", restrictions: ["Distributed derivatives must be licensed under the GPL with their source."],
              markers: [["gnu general public license", "version 3"]], aliases: []),
        .init(id: "gpl-2.0", name: "GNU General Public License v2.0", spdx: "GPL-2.0-only", category: .copyleft,
              url: "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html", restrictions: ["Distributed derivatives must be licensed under the GPL with their source."],
              markers: [["gnu general public license", "version 2"]], aliases: []),
        .init(id: "mpl-2.0", name: "Mozilla Public License 2.0", spdx: "MPL-2.0", category: .copyleft,
              url: "https://www.mozilla.org/MPL/2.0/", restrictions: [],
              markers: [["mozilla public license version 2.0"], ["mozilla public license, version 2.0"]], aliases: []),
        .init(id: "apache-2.0", name: "Apache License 2.0", spdx: "Apache-2.0", category: .permissive,
              url: "https://www.apache.org/licenses/LICENSE-2.0", restrictions: [],
              markers: [["apache license", "version 2.0"]], aliases: ["apache 2.0", "apache2", "apache-2"]),
        .init(id: "mit", name: "MIT License", spdx: "MIT", category: .permissive,
              url: "https://opensource.org/license/mit", restrictions: [],
              markers: [["permission is hereby granted, free of charge"]], aliases: []),
        .init(id: "bsd-3-clause", name: "BSD 3-Clause License", spdx: "BSD-3-Clause", category: .permissive,
              url: "https://opensource.org/license/bsd-3-clause", restrictions: [],
              markers: [["redistribution and use in source and binary forms", "neither the name"]], aliases: ["bsd"]),
        .init(id: "bsd-2-clause", name: "BSD 2-Clause License", spdx: "BSD-2-Clause", category: .permissive,
              url: "https://opensource.org/license/bsd-2-clause", restrictions: [],
              markers: [["redistribution and use in source and binary forms"]], aliases: []),
        .init(id: "unlicense", name: "The Unlicense", spdx: "Unlicense", category: .permissive,
              url: "https://unlicense.org/", restrictions: [],
              markers: [["this is free and unencumbered software released into the public domain"]], aliases: []),
    ]

    /// The entry a model card or metadata value names (catalogue id, SPDX id or alias, any case), or nil.
    public static func named(_ value: String) -> LicenceEntry? {
        let key = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return all.first { $0.id == key || $0.spdx?.lowercased() == key || $0.aliases.contains(key) }
            ?? all.first { $0.spdx.map { key == $0.lowercased() + "-only" || $0.lowercased() == key + "-only" } ?? false }
    }

    /// The entry whose text `text` is (markers matched in catalogue order), or nil.
    public static func identify(text: String) -> LicenceEntry? {
        let normal = text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return all.first { entry in entry.markers.contains { group in group.allSatisfy { normal.contains($0) } } }
    }
}
