/** What a CLI command may touch; injected so commands are testable without spawning processes. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
}

export class UsageError extends Error {}
