"""The one module shared across the worker/server boundary: what crosses it, typed.

A worker computes a build's result and answers requests; the server, the analysis layer and the CLI
read what comes back. Everything that travels is defined here and nowhere else:

- the result JSON of one calculation (`BuildResultJson` and its parts), with the names PoB's glue
  gives them (snake_case of the Lua keys, never renamed on the way);
- the questions the server may ask about a build (`Question[AnswerT]`: what-ifs and the catalog)
  and the answers they get, without a word of Lua: the worker maps each question to its glue;
- every protocol message, each request paired with its reply type (`Request[ReplyT]`), so
  `EngineService._send(message)` returns what that message gets back, checked by mypy and at run time;
- the kinds that used to be bare strings, as `Literal`s.

It imports nothing of pob_ls and nothing outside the standard library, so every layer and both
processes may import it (the analysis layer reads results through these types). Checked with
mypy's strictest settings (pyproject.toml), `Any` included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Generic, Literal, NotRequired, Required, TypeAlias, TypedDict, TypeVar

#: Plain JSON, as it comes out of `json.loads`.
Json: TypeAlias = "str | int | float | bool | list[Json] | dict[str, Json] | None"
#: A number as JSON carries it: PoB's "inf", "-inf" and "nan" are strings (JSON has no such numbers).
Number: TypeAlias = "float | str"
#: A value of PoB's output table: numbers, flags and a few strings.
OutputValue: TypeAlias = "float | bool | str"

# -- kinds --------------------------------------------------------------------------------------

#: Why a worker could not answer: PoB rejected the text (build), memory, an engine fault, an unknown
#: document, a request the worker refuses to run, a malformed request.
WorkerErrorKind = Literal["build", "out_of_memory", "engine", "not_found", "refused", "bad_request"]
#: Why the service could not answer: a worker's reasons, or the service's own (deadline missed,
#: worker died, could not boot, service or document closed).
RequestErrorKind = WorkerErrorKind | Literal["deadline", "crashed", "boot", "closed"]
#: What the service reports as it goes.
StatusKind = Literal["booting", "loading", "ready", "error", "worker_restarted"]
#: How a build object was brought up to date with a text.
UpdateHow = Literal["reload", "unchanged", "incremental", "cached"]
#: The in-place update steps (lua/incremental.lua, lua/tree.lua), named as the glue names them.
StepKind = Literal[
    "build",
    "stats",
    "config",
    "party",
    "item",
    "gem",
    "skill",
    "skills",
    "tree",
    "tree-alloc",
    "tree-alloc-full",
    "tree-spec",
    "notes",
    "import",
    "treeview",
    "calcs",
]
Severity = Literal["error", "warning", "information"]
#: The file entity a problem is tied to (lua/diagnostics.lua).
EntityKind = Literal["build", "spec", "item", "itemLine", "slot", "group", "gem", "config"]
StatSection = Literal["player", "minion", "fullDPS"]

# -- the result of one calculation --------------------------------------------------------------

#: The build as PoB reads it (`class` is a Python keyword, hence the functional form).
BuildJson = TypedDict(
    "BuildJson",
    {
        "class": str | None,
        "ascendancy": str | None,
        "level": int | None,
        "tree_version": str | None,
        "main_socket_group": int | None,
        "main_skill": str | None,
    },
)


class DisplayStatJson(TypedDict):
    """One of PoB's sidebar stats, with the output key it shows."""

    section: StatSection
    stat: str
    label: str
    value: Number
    text: str
    warn: bool  # PoB shows it in its warning colour


class EntityJson(TypedDict, total=False):
    """Where a problem is: `kind` plus the keys that kind uses."""

    kind: Required[EntityKind]
    itemId: int
    line: str
    slot: str
    group: int
    gem: int
    name: str


class ProblemJson(TypedDict):
    severity: Severity
    code: str
    message: str
    entity: EntityJson


class FactsJson(TypedDict, total=False):
    """What PoB kept of the file, to find what it dropped silently (diagnostics.facts)."""

    itemIds: list[int]
    slots: dict[str, int]
    allocatedNodes: list[int]
    activeSpec: int
    treeVersion: str


class BuildResultJson(TypedDict):
    """One calculation of a build (`BuildResult.to_json()`): what the worker sends, analysis reads."""

    build: BuildJson
    display_stats: list[DisplayStatJson]
    sidebar: list[list[str]]  # PoB's sidebar rows as it prints them: [label, value]
    warnings: list[str]
    problems: list[ProblemJson]
    player_stats: dict[str, Number]
    minion_stats: dict[str, Number]
    output: dict[str, OutputValue]
    minion_output: dict[str, OutputValue] | None
    facts: FactsJson
    output_revision: int
    timings: dict[str, float]


# -- questions about a build, and their answers --------------------------------------------------


class Compare(TypedDict):
    """PoB's compare lines for a change, as its tooltips show them (`count` 0: nothing changes)."""

    count: int
    header: str
    lines: list[str]
    path: NotRequired[Compare]  # a node with the path to it (or the nodes depending on it)


class NodeDetails(TypedDict):
    id: int
    name: str
    type: str
    stats: list[str]
    allocated: bool
    compare: NotRequired[Compare]


class ConfigDetails(TypedDict):
    name: str
    type: str
    label: str
    tooltip: NotRequired[str]
    values: NotRequired[list[str]]
    applies: NotRequired[bool]  # absent when PoB does not say


#: A socket group's main-skill figures as if it were the main skill, by output key.
GroupFigures: TypeAlias = "dict[str, float]"


class Catalog(TypedDict):
    """Names this PoB knows, for completion."""

    gems: list[str]
    config: list[ConfigDetails]
    treeVersions: list[str]


class SavedStatNames(TypedDict):
    """The stat names PoB saves as <PlayerStat>/<MinionStat> (display and extra save stats)."""

    player: list[str]
    minion: list[str]


AnswerT = TypeVar("AnswerT", covariant=True)


class Question(Generic[AnswerT]):
    """Something the server may ask about a document's build; answered with an `AnswerT` (or None
    when the build has no such entity). Closed: the worker answers exactly the subclasses below."""

    __slots__ = ()


@dataclass(frozen=True)
class RemoveItem(Question[Compare]):
    """What unequipping the item in `slot` changes."""

    slot: str


@dataclass(frozen=True)
class ToggleGem(Question[Compare]):
    """What disabling (or enabling) gem `gem` of socket group `group` changes (file positions, from 1)."""

    group: int
    gem: int


@dataclass(frozen=True)
class GroupAsMainSkill(Question[GroupFigures]):
    """Socket group `group`'s figures as the main skill."""

    group: int


@dataclass(frozen=True)
class DescribeNode(Question[NodeDetails]):
    """A passive node's name and stats, and what unallocating (or allocating) it changes."""

    node_id: int


@dataclass(frozen=True)
class DescribeConfig(Question[ConfigDetails]):
    """A config option's label, type, tooltip and whether it applies to this build."""

    name: str


@dataclass(frozen=True)
class ListCatalog(Question[Catalog]):
    """The gems, config options and tree versions this PoB knows."""


@dataclass(frozen=True)
class ListStatNames(Question[SavedStatNames]):
    """The stat names this PoB saves (for `check --fail-on` names)."""


QUESTION_TYPES: dict[str, type[Question[object]]] = {
    cls.__name__: cls
    for cls in (
        RemoveItem,
        ToggleGem,
        GroupAsMainSkill,
        DescribeNode,
        DescribeConfig,
        ListCatalog,
        ListStatNames,
    )
}

# -- replies (worker -> service), each echoing the request id -----------------------------------


@dataclass(frozen=True)
class DocumentResult:
    """A document's result; `how` (and `steps`, for an in-place update) say how it was brought up to date."""

    uri: str
    version: int
    result: BuildResultJson
    how: UpdateHow
    seconds: float
    steps: list[StepKind] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """One word for logs: "reload", "unchanged", "cached" or "incremental:<step>,<step>"."""
        return update_kind(self.how, self.steps)


@dataclass(frozen=True)
class Accepted:
    """The request was done and has nothing to return (close, lazy open, ping)."""

    pid: int


@dataclass(frozen=True)
class Answer:
    """The answer to a `Question`: the JSON its `AnswerT` describes, or None."""

    value: Json


@dataclass(frozen=True)
class DocumentStats:
    uri: str
    version: int
    loaded: bool
    error: str | None


@dataclass(frozen=True)
class WorkerStats:
    pid: int
    forked: bool
    boot_seconds: float
    rss_bytes: int
    lua_memory_bytes: int
    requests: int
    documents: list[DocumentStats]


@dataclass(frozen=True)
class ErrorReply:
    """The request failed; the service raises it as an `EngineRequestError` of the same kind."""

    kind: WorkerErrorKind
    message: str
    uri: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class Forked:
    pid: int


@dataclass(frozen=True)
class Reaped:
    pid: int
    status: str | None  # "exit code 1", "killed by signal 9", or None when still running


# -- requests (service -> worker or zygote), each with the replies it gets ----------------------

ReplyT = TypeVar("ReplyT", covariant=True)


class Request(Generic[ReplyT]):
    """A message answered with one `ReplyT` (or an `ErrorReply`); `replies` is `ReplyT` at run time."""

    __slots__ = ()
    replies: ClassVar[tuple[type, ...]]


@dataclass(frozen=True)
class OpenDocument(Request[DocumentResult | Accepted]):
    """Hold a document; with `load` false only its text is kept (loaded on first need)."""

    replies = (DocumentResult, Accepted)
    uri: str
    version: int
    text: str
    load: bool = True


@dataclass(frozen=True)
class UpdateDocument(Request[DocumentResult]):
    replies = (DocumentResult,)
    uri: str
    version: int
    text: str


@dataclass(frozen=True)
class CloseDocument(Request[Accepted]):
    replies = (Accepted,)
    uri: str


@dataclass(frozen=True)
class GetResult(Request[DocumentResult]):
    """The result of the document's current text, reloading it if it was evicted."""

    replies = (DocumentResult,)
    uri: str


@dataclass(frozen=True)
class Ask(Request[Answer]):
    """A `Question` about the document's latest build (what-ifs, the catalog)."""

    replies = (Answer,)
    uri: str
    question: Question[object]


@dataclass(frozen=True)
class Ping(Request[Accepted]):
    replies = (Accepted,)


@dataclass(frozen=True)
class GetStats(Request[WorkerStats]):
    replies = (WorkerStats,)


@dataclass(frozen=True)
class Shutdown(Request[Accepted]):
    replies = (Accepted,)


@dataclass(frozen=True)
class TestHook(Request[Accepted]):
    """TEST ONLY: `loop` spins Lua forever, `allocate` grows the Lua heap until it fails,
    `exit` ends the process with `code`. Refused unless the worker was started with test hooks.
    Never answered with success: the worker loops, dies or replies with an error."""

    __test__ = False  # not a pytest class
    replies = (Accepted,)
    action: str
    code: int = 0


@dataclass(frozen=True)
class ForkWorker(Request[Forked]):
    """Fork a worker; the worker's end of its socket travels alongside this frame (SCM_RIGHTS)."""

    replies = (Forked,)
    log_path: str


@dataclass(frozen=True)
class Reap(Request[Reaped]):
    """Collect a dead worker's exit status (the zygote is its parent), waiting up to `timeout`."""

    replies = (Reaped,)
    pid: int
    timeout: float = 1.0


# -- events (worker -> service, no id) ----------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    pid: int
    forked: bool
    boot_seconds: float
    version: str


@dataclass(frozen=True)
class Evicted:
    """A build object was freed to stay within the memory budget; its text is kept."""

    uri: str


@dataclass(frozen=True)
class RecycleRequested:
    """The worker grew past its RSS limit even after evicting: replace it when idle."""

    reason: str


#: What a worker answers (the zygote answers ForkWorker and Reap); anything else it refuses.
WORKER_REQUESTS: tuple[type[Request[object]], ...] = (
    OpenDocument,
    UpdateDocument,
    CloseDocument,
    GetResult,
    Ask,
    Ping,
    GetStats,
    Shutdown,
    TestHook,
)

MESSAGE_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        *WORKER_REQUESTS,
        DocumentResult,
        Accepted,
        Answer,
        WorkerStats,
        ErrorReply,
        Ready,
        Evicted,
        RecycleRequested,
        ForkWorker,
        Forked,
        Reap,
        Reaped,
    )
}


def update_kind(how: UpdateHow, steps: list[StepKind] | tuple[StepKind, ...]) -> str:
    """The one-word form of an update: "incremental:item,config" for in-place steps."""
    return f"incremental:{','.join(steps)}" if how == "incremental" else how
