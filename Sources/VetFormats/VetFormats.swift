// The format layer as one import, for library users and tools that read every format.
// Each format family is its own module (see docs/architecture.md); code inside the package
// imports the modules it needs, so the engine links only GGUF and Jinja.
@_exported import VetArchives
@_exported import VetGGUF
@_exported import VetGraphs
@_exported import VetJinja
@_exported import VetKeras
@_exported import VetPickle
@_exported import VetSafeTensors
@_exported import VetText
