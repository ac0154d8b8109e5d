package dev.jllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run's metrics: {@value #JSONL} (one object per line) and {@value #CSV} in the run
 * directory, plus the points kept in memory for the loss plot. On resume, lines past the
 * checkpoint's step are dropped so the files read as one uninterrupted run.
 */
public final class MetricsLog {
    public static final String JSONL = "metrics.jsonl";
    public static final String CSV = "metrics.csv";
    static final String CSV_HEADER = "kind,step,loss,perplexity,lr,grad_norm,tokens_seen,tokens_per_s,elapsed_s";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One logged point: kind "train" or "val". */
    public record Point(String kind, long step, double loss, double lr, double gradNorm, long tokensSeen,
                       double tokensPerSecond, double elapsedSeconds) {
        double perplexity() { return Math.exp(loss); }
    }

    private final Path dir;
    private final List<Point> points = new ArrayList<>();

    private MetricsLog(Path dir) { this.dir = dir; }

    /** Starts fresh logs in {@code dir}. */
    public static MetricsLog create(Path dir) throws IOException {
        MetricsLog m = new MetricsLog(dir);
        m.rewrite();
        return m;
    }

    /** Re-opens the logs in {@code dir}, keeping only points up to {@code step}. */
    public static MetricsLog resume(Path dir, long step) throws IOException {
        MetricsLog m = new MetricsLog(dir);
        Path f = dir.resolve(JSONL);
        if (Files.isRegularFile(f)) {
            int n = 0;
            for (String line : Files.readAllLines(f)) {
                n++;
                if (line.isBlank()) continue;
                JsonNode o;
                try {
                    o = JSON.readTree(line);
                } catch (IOException e) {
                    continue; // a line cut short by a crash: its step is past the checkpoint anyway
                }
                if (o == null || !o.has("step")) throw new IOException(f + ":" + n + ": not a metrics record");
                Point p = new Point(o.path("kind").asText(), o.path("step").asLong(), o.path("loss").asDouble(),
                        o.path("lr").asDouble(Double.NaN), o.path("grad_norm").asDouble(Double.NaN), o.path("tokens_seen").asLong(),
                        o.path("tokens_per_s").asDouble(Double.NaN), o.path("elapsed_s").asDouble(Double.NaN));
                if (p.step() <= step) m.points.add(p);
            }
        }
        m.rewrite();
        return m;
    }

    public List<Point> points() { return List.copyOf(points); }

    public void add(Point p) throws IOException {
        points.add(p);
        Files.writeString(dir.resolve(JSONL), json(p) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.writeString(dir.resolve(CSV), csv(p) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private void rewrite() throws IOException {
        Files.createDirectories(dir);
        try (BufferedWriter j = Files.newBufferedWriter(dir.resolve(JSONL));
             BufferedWriter c = Files.newBufferedWriter(dir.resolve(CSV))) {
            c.write(CSV_HEADER + "\n");
            for (Point p : points) {
                j.write(json(p) + "\n");
                c.write(csv(p) + "\n");
            }
        }
    }

    private static String json(Point p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", p.kind()).put("step", p.step()).put("loss", p.loss()).put("perplexity", p.perplexity());
        if (!Double.isNaN(p.lr())) o.put("lr", p.lr());
        if (!Double.isNaN(p.gradNorm())) o.put("grad_norm", p.gradNorm());
        o.put("tokens_seen", p.tokensSeen());
        if (!Double.isNaN(p.tokensPerSecond())) o.put("tokens_per_s", p.tokensPerSecond());
        if (!Double.isNaN(p.elapsedSeconds())) o.put("elapsed_s", p.elapsedSeconds());
        return o.toString();
    }

    private static String csv(Point p) {
        return String.join(",", p.kind(), Long.toString(p.step()), num(p.loss()), num(p.perplexity()), num(p.lr()),
                num(p.gradNorm()), Long.toString(p.tokensSeen()), num(p.tokensPerSecond()), num(p.elapsedSeconds()));
    }

    private static String num(double v) { return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v); }
}
