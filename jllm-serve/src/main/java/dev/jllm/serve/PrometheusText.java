package dev.jllm.serve;

/** Pieces of the Prometheus text exposition format (version 0.0.4). */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {}

    static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static void sample(StringBuilder out, String name, double value) {
        out.append(name).append(' ').append(number(value)).append('\n');
    }

    static void metric(StringBuilder out, String name, String type, String help, double value) {
        header(out, name, type, help);
        sample(out, name, value);
    }

    /** Integral values without a fraction, others in Java's shortest round-trip form; NaN/Inf as Prometheus spells them. */
    static String number(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return Double.toString(v);
    }

    /** A label value with backslash, quote and newline escaped. */
    static String label(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
