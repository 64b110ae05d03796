// Bounded restarts: a crashing server is restarted at most `max` times within `windowMs`, then
// left stopped until the user runs "PoB: Restart Language Server". No `vscode` import.

export class RestartPolicy {
    private crashes: number[] = [];

    constructor(
        readonly max = 3,
        readonly windowMs = 3 * 60 * 1000,
        private readonly now: () => number = Date.now,
    ) {}

    /** Records a crash; true when the server may be restarted once more. */
    shouldRestart(): boolean {
        const t = this.now();
        this.crashes = this.crashes.filter((c) => t - c < this.windowMs);
        this.crashes.push(t);
        return this.crashes.length <= this.max;
    }

    get recentCrashes(): number {
        return this.crashes.length;
    }

    reset(): void {
        this.crashes = [];
    }
}
