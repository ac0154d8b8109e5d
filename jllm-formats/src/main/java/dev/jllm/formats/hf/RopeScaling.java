package dev.jllm.formats.hf;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code rope_scaling} (or {@code rope_parameters}) of a Hugging Face config: the method
 * ("linear", "dynamic", "yarn", "longrope", "llama3", ...) and its parameters. Absent
 * optional fields are null; {@code raw} keeps the whole object.
 */
public record RopeScaling(String type, double factor, Double lowFreqFactor, Double highFreqFactor,
                          Integer originalMaxPositionEmbeddings, Double betaFast, Double betaSlow,
                          Double mscale, Double mscaleAllDim, Double attentionFactor,
                          double[] shortFactor, double[] longFactor, JsonNode raw) {

    static RopeScaling parse(JsonNode n) {
        String type = HfConfig.text(n, "rope_type", HfConfig.text(n, "type", null));
        return new RopeScaling(type, HfConfig.dbl(n, "factor", 1.0), HfConfig.dblOrNull(n, "low_freq_factor"),
                HfConfig.dblOrNull(n, "high_freq_factor"), HfConfig.intOrNull(n, "original_max_position_embeddings"),
                HfConfig.dblOrNull(n, "beta_fast"), HfConfig.dblOrNull(n, "beta_slow"), HfConfig.dblOrNull(n, "mscale"),
                HfConfig.dblOrNull(n, "mscale_all_dim"), HfConfig.dblOrNull(n, "attention_factor"),
                doubles(n.get("short_factor")), doubles(n.get("long_factor")), n);
    }

    private static double[] doubles(JsonNode a) {
        if (a == null || !a.isArray()) return null;
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asDouble();
        return out;
    }
}
