#!/usr/bin/python3
"""Read a systemd service unit as systemd would, for the package tests.

    unit_exec.py UNIT ROOT

UNIT is the unit file; ROOT is where the package was unpacked (the unit's absolute
paths -- EnvironmentFile, the ExecStart programs -- are looked up under it). Prints
bash assignments to eval:

    UNIT_ENV=(NAME=VALUE ...)        the EnvironmentFile's variables
    EXEC_PRE=(argv...)  EXEC_PRE_PLUS=0|1     the ExecStartPre line ("+" = unsandboxed)
    EXEC_START=(argv...)                      the ExecStart line, variables expanded
    U_<Key>=value                             every other [Service] and [Unit] setting

Only what tula.service uses is implemented, the way systemd.service(5) and
systemd.exec(5) describe it: "-" before a path makes it optional; "+" runs a command
outside the sandbox; a word that is exactly $NAME becomes the variable's value split at
whitespace (zero words when empty); ${NAME} inside a word is replaced as is; quotes
group words. Exits 1 with a reason when the unit uses something else.
"""
import os
import re
import shlex
import sys


def die(msg):
    print("unit_exec.py: " + msg, file=sys.stderr)
    sys.exit(1)


def read_unit(path):
    sections, cur = {}, None
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            die(f"{path}: continuation lines are not handled")
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            cur = sections.setdefault(m.group(1), [])
            continue
        key, sep, value = line.partition("=")
        if not sep or cur is None:
            die(f"{path}: cannot read line {line!r}")
        cur.append((key.strip(), value.strip()))
    return sections


def read_env_file(path):
    env = {}
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            die(f"{path}: not an assignment: {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
            if raw.strip().split("=", 1)[1].strip()[0] == '"':
                value = re.sub(r'\\(["\\$`])', r"\1", value)
        env[key.strip()] = value
    return env


def split_words(cmdline):
    """Words of a command line: (text, quoted) pairs."""
    words, i, n = [], 0, len(cmdline)
    while i < n:
        while i < n and cmdline[i].isspace():
            i += 1
        if i >= n:
            break
        text, quoted = "", False
        while i < n and not cmdline[i].isspace():
            c = cmdline[i]
            if c in "\"'":
                end = cmdline.find(c, i + 1)
                if end < 0:
                    die(f"unbalanced quote in {cmdline!r}")
                text += cmdline[i + 1:end]
                quoted = True
                i = end + 1
            elif c == "\\" and i + 1 < n:
                text += cmdline[i + 1]
                i += 2
            else:
                text += c
                i += 1
        words.append((text, quoted))
    return words


def expand(cmdline, env):
    argv = []
    for text, quoted in split_words(cmdline):
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", text)
        if m and not quoted:
            argv.extend(env.get(m.group(1), "").split())
            continue
        text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda v: env.get(v.group(1), ""), text)
        argv.append(text.replace("$$", "$"))
    return argv


def main():
    if len(sys.argv) != 3:
        die("usage: unit_exec.py UNIT ROOT")
    unit, root = sys.argv[1], sys.argv[2]
    sections = read_unit(unit)
    service = sections.get("Service") or die(f"{unit}: no [Service] section")
    env, out, seen = {}, [], {}
    for key, value in service:
        if key == "EnvironmentFile":
            optional = value.startswith("-")
            path = value.lstrip("-")
            if os.path.exists(root + path):
                env.update(read_env_file(root + path))
            elif not optional:
                die(f"EnvironmentFile {path} is not in {root}")
        elif key == "Environment":
            for word, _ in split_words(value):
                k, _, v = word.partition("=")
                env[k] = v
    for key, value in service:
        if key in ("ExecStartPre", "ExecStart"):
            if key in seen:
                die(f"more than one {key}= line is not handled")
            prefix = re.match(r"[-+@!:]*", value).group(0)
            if set(prefix) - set("+-"):
                die(f"{key} prefix {prefix!r} is not handled")
            argv = expand(value[len(prefix):], env)
            name = "EXEC_PRE" if key == "ExecStartPre" else "EXEC_START"
            out.append(f"{name}=({' '.join(shlex.quote(a) for a in argv)})")
            out.append(f"{name}_PLUS={1 if '+' in prefix else 0}")
            seen[key] = 1
        elif key not in ("EnvironmentFile", "Environment"):
            out.append(f"U_{key}={shlex.quote(value)}")
    for key, value in sections.get("Unit", []):
        out.append(f"U_{key}={shlex.quote(value)}")
    out.append("UNIT_ENV=(" + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + ")")
    print("\n".join(out))


main()
