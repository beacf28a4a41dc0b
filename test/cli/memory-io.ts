import type { CliIO } from "../../provider/cli/io";

/** The CLI's IO in memory: files by path, stdin as given, everything written collected. */
export function memoryIO(files: Record<string, string>, stdin = ""): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
    readFile: async (p: string) => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return f;
    },
    readStdin: async () => stdin,
  };
  return io;
}
