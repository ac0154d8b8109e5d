package dev.jllm.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr: on a terminal one line redrawn in place (step/total, bar, loss,
 * tokens/s, ETA), otherwise a plain line every {@code logInterval} steps, so logs stay readable.
 */
public final class ProgressLine {
    private final PrintStream out;
    private final boolean live;
    private long lastDraw;
    private boolean drawn;

    public ProgressLine(PrintStream out, boolean live) {
        this.out = out;
        this.live = live;
    }

    /** A terminal attached to the process: draw live. */
    public static boolean terminalAttached() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    public void step(long step, long total, double loss, double lr, double tokensPerSecond, double etaSeconds, boolean logLine) {
        if (live) {
            long now = System.nanoTime();
            if (now - lastDraw < 100_000_000L && step < total) return;
            lastDraw = now;
            int width = 24;
            int filled = (int) (width * (double) step / total);
            out.printf(Locale.ROOT, "\rstep %d/%d [%s%s] loss %.4f | %s tok/s | ETA %s \u001b[K", step, total,
                    "=".repeat(filled), " ".repeat(width - filled), loss, compact(tokensPerSecond), duration(etaSeconds));
            drawn = true;
        } else if (logLine) {
            out.printf(Locale.ROOT, "step %d/%d loss %.4f lr %.3g %s tok/s ETA %s%n", step, total, loss, lr,
                    compact(tokensPerSecond), duration(etaSeconds));
        }
        out.flush();
    }

    /** A message on a line of its own (validation results, checkpoints). */
    public void message(String text) {
        if (drawn) out.print("\r\u001b[K");
        out.println(text);
        drawn = false;
        out.flush();
    }

    public void finish() {
        if (drawn) out.println();
        drawn = false;
        out.flush();
    }

    static String compact(double v) {
        if (!Double.isFinite(v)) return "-";
        if (v >= 1e6) return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        if (v >= 1e3) return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static String duration(double s) {
        if (!Double.isFinite(s) || s < 0) return "-";
        long t = Math.round(s);
        if (t >= 3600) return String.format(Locale.ROOT, "%dh%02dm", t / 3600, t / 60 % 60);
        if (t >= 60) return String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
        return t + "s";
    }
}
