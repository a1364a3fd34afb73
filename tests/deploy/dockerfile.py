"""Just enough of the Dockerfile and .dockerignore formats to check, without a container
engine, that the build context holds what the Dockerfile copies from it."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass
class Instruction:
    keyword: str
    args: str
    stage: str


@dataclass
class Copy:
    stage: str
    sources: list[str]
    destination: str
    from_stage: str | None


@dataclass
class Dockerfile:
    instructions: list[Instruction] = field(default_factory=list)

    @classmethod
    def parse(cls, path: Path) -> Dockerfile:
        logical: list[str] = []
        pending = ""
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if not pending and (not line or line.startswith("#")):
                continue
            if line.startswith("#"):  # a comment inside a continued instruction
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            logical.append(pending + line)
            pending = ""
        result = cls()
        stage = ""
        for line in logical:
            keyword, _, args = line.partition(" ")
            keyword = keyword.upper()
            if keyword == "FROM":
                parts = args.split()
                stage = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else parts[0]
            result.instructions.append(Instruction(keyword, args.strip(), stage))
        return result

    def stages(self) -> list[str]:
        return [i.stage for i in self.instructions if i.keyword == "FROM"]

    def of(self, keyword: str, stage: str | None = None) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword and stage in (None, i.stage)]

    def copies(self, build_args: dict[str, str]) -> list[Copy]:
        found = []
        for ins in self.of("COPY") + self.of("ADD"):
            text = substitute(ins.args, build_args)
            words = json.loads(text) if text.startswith("[") else shlex.split(text)
            flags = [w for w in words if w.startswith("--")]
            paths = [w for w in words if not w.startswith("--")]
            from_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
            found.append(Copy(ins.stage, paths[:-1], paths[-1], from_stage))
        return found


def substitute(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in values:
            raise KeyError(f"no value for ${name}")
        return values[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", one, text)


class DockerIgnore:
    """Docker's rules: patterns are Go filepath.Match globs plus `**`, relative to the
    context root; the last pattern that matches a path decides, `!` re-includes; a path
    is excluded when it or one of its parent directories is."""

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[re.Pattern[str], bool]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = str(PurePosixPath(line.lstrip("!").strip().strip("/")))
            self.rules.append((re.compile(_glob_to_regex(pattern)), negated))

    def _decides(self, path: str) -> bool | None:
        verdict = None
        for regex, negated in self.rules:
            if regex.fullmatch(path):
                verdict = not negated
        return verdict

    def excluded(self, path: str) -> bool:
        parts = PurePosixPath(path).parts
        verdict = False
        for depth in range(1, len(parts) + 1):
            decided = self._decides("/".join(parts[:depth]))
            if decided is not None:
                verdict = decided
        return verdict


def _glob_to_regex(pattern: str) -> str:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return out


def context_files(root: Path, source: str, ignore: DockerIgnore) -> list[str]:
    """The files of the build context that `COPY <source>` sends (glob sources too)."""
    matches = sorted(root.glob(source)) if any(c in source for c in "*?[") else [root / source]
    files: list[str] = []
    for match in matches:
        candidates = [match] if match.is_file() else sorted(match.rglob("*"))
        for path in candidates:
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not ignore.excluded(rel):
                files.append(rel)
    return files
