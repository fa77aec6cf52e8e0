import VetCore

private func pythonFile(_ code: String) -> [UInt8] { Array(code.utf8) }

/// Python code that evaluates, compiles, imports or deserialises code at run time.
public enum PythonDynamicCodeRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "python_dynamic_code", severity: .high,
        title: "Python code in the model runs dynamic code",
        description: """
        A `.py` file shipped with the model calls `eval`, `exec`, `compile`, `__import__`, `importlib.import_module`, \
        `runpy`, or deserialises code (`marshal`, `pickle`, `types.FunctionType`). Code files in a model repository \
        run with `trust_remote_code=True`; dynamic code in them can do anything and cannot be reviewed by reading.
        """,
        remediation: "Read the file before enabling trust_remote_code, or use a model that needs no remote code.",
        references: ["https://huggingface.co/docs/transformers/main/custom_models", "CWE-95"],
        examples: [
            RuleExample("exec of a string", fileName: "modeling_x.py", triggers: true) { pythonFile("exec(payload)\n") },
            RuleExample("timeit running a statement string", fileName: "modeling_x.py", triggers: true) {
                pythonFile("import timeit\ntimeit.timeit(stmt=payload, number=1)\n")
            },
            RuleExample("ordinary model code", fileName: "modeling_x.py", triggers: false) {
                pythonFile("import torch\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return x\n")
            },
        ])
}

/// Python code that starts processes or calls native code.
public enum PythonProcessRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "python_process", severity: .high,
        title: "Python code in the model starts processes or native code",
        description: """
        A `.py` file shipped with the model runs shell commands or processes (`os.system`, `subprocess`, \
        `os.exec*`, `pty`) or loads native code (`ctypes`, `cffi`). Model code has no reason to do either.
        """,
        remediation: "Do not enable trust_remote_code for this model until the code is reviewed.",
        references: ["CWE-78"],
        examples: [
            RuleExample("subprocess through an alias", fileName: "modeling_x.py", triggers: true) {
                pythonFile("import subprocess as sp\nsp.run(['id'])\n")
            },
            RuleExample("os.system rebound to another name first", fileName: "modeling_x.py", triggers: true) {
                pythonFile("import os\nrun = os.system\nrun('echo modelvet-example')\n")
            },
            RuleExample("os reached through sys.modules", fileName: "modeling_x.py", triggers: true) {
                pythonFile("import sys\nsys.modules['os'].system('echo modelvet-example')\n")
            },
            RuleExample("getattr with a name joined from pieces", fileName: "modeling_x.py", triggers: true) {
                pythonFile("import os\ngetattr(os, 'sys' + 'tem')('echo modelvet-example')\n")
            },
            RuleExample("os.path only", fileName: "modeling_x.py", triggers: false) { pythonFile("import os\np = os.path.join('a', 'b')\n") },
        ])
}

/// Python code that opens network connections.
public enum PythonNetworkRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "python_network", severity: .medium,
        title: "Python code in the model uses the network",
        description: """
        A `.py` file shipped with the model uses sockets or HTTP clients. Remote code that phones home can \
        exfiltrate data or fetch a second stage after review.
        """,
        remediation: "Check what the code contacts and why; block network access when running it.",
        references: ["CWE-200"],
        examples: [
            RuleExample("requests.post", fileName: "modeling_x.py", triggers: true) { pythonFile("import requests\nrequests.post(url, data=d)\n") },
            RuleExample("no network", fileName: "modeling_x.py", triggers: false) { pythonFile("x = 1\n") },
        ])
}

/// Python code that deletes, moves or changes permissions of files.
public enum PythonFileSystemRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "python_filesystem", severity: .medium,
        title: "Python code in the model changes the file system",
        description: """
        A `.py` file shipped with the model deletes, moves, renames or changes permissions of files. Model code \
        reads weights; it does not need to modify the machine it runs on.
        """,
        remediation: "Review the code before running it.",
        references: ["CWE-73"],
        examples: [
            RuleExample("shutil.rmtree", fileName: "modeling_x.py", triggers: true) { pythonFile("from shutil import rmtree\nrmtree(path)\n") },
            RuleExample("reads only", fileName: "modeling_x.py", triggers: false) { pythonFile("data = open(path).read()\n") },
            RuleExample("an inference handler creating its cache directory", fileName: "handler.py", triggers: false) {
                pythonFile("import os\nclass EndpointHandler:\n    def __init__(self, path=''):\n        os.makedirs('/tmp/cache', exist_ok=True)\n")
            },
        ])
}

/// Python code that hides what it runs.
public enum PythonObfuscationRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "python_obfuscation", severity: .medium,
        title: "Python code in the model is obfuscated",
        description: """
        A `.py` file carries long encoded string literals, or decodes data (base64, zlib, hex, codecs) and \
        executes code in the same file (critical). Packing a payload this way exists to defeat review.
        """,
        remediation: "Treat the model as malicious unless the publisher explains the encoded content.",
        references: ["CWE-506"],
        examples: [
            RuleExample("base64-decode then exec", fileName: "modeling_x.py", triggers: true) {
                pythonFile("import base64\nexec(base64.b64decode(blob))\n")
            },
            RuleExample("plain code", fileName: "modeling_x.py", triggers: false) { pythonFile("def f(x):\n    return x * 2\n") },
        ])
}
