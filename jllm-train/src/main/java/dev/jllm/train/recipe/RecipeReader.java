package dev.jllm.train.recipe;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Reads and writes {@link Recipe}s as YAML; errors name the file, the field path and the line. */
public final class RecipeReader {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RecipeReader() {}

    /**
     * A recipe file, or a bare name looked up as {@code recipes/NAME.yaml} under the working
     * directory and then under {@code home} (the jllm installation; may be null).
     */
    public static Path resolve(String nameOrPath, Path home) throws IOException {
        Path direct = Path.of(nameOrPath);
        if (Files.isRegularFile(direct)) return direct;
        boolean bare = !nameOrPath.contains("/") && !nameOrPath.contains("\\") && !nameOrPath.endsWith(".yaml") && !nameOrPath.endsWith(".yml");
        List<Path> tried = new ArrayList<>(List.of(direct));
        if (bare) {
            for (Path base : home == null ? List.of(Path.of("")) : List.of(Path.of(""), home)) {
                Path p = base.resolve("recipes").resolve(nameOrPath + ".yaml");
                if (Files.isRegularFile(p)) return p;
                tried.add(p);
            }
        }
        throw new NoSuchFileException(nameOrPath, null, "no such recipe (looked for " + tried.stream().map(Path::toString)
                .collect(Collectors.joining(", ")) + ")");
    }

    public static Recipe read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "recipe not found");
        return parse(Files.readString(file), file.toString());
    }

    /** Parses and validates YAML text; {@code source} names it in errors. */
    public static Recipe parse(String yaml, String source) {
        Recipe r;
        try {
            r = YAML.readValue(yaml, Recipe.class);
        } catch (UnrecognizedPropertyException e) {
            TreeSet<String> known = new TreeSet<>();
            for (Object k : e.getKnownPropertyIds()) known.add(String.valueOf(k));
            throw new IllegalArgumentException(source + ": unknown field '" + path(e) + "'" + where(e.getLocation())
                    + " (known here: " + String.join(", ", known) + ")", e);
        } catch (MismatchedInputException e) {
            throw new IllegalArgumentException(source + ": field '" + path(e) + "'" + where(e.getLocation())
                    + ": expected " + (e.getTargetType() == null ? "another type" : describe(e.getTargetType())), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not a valid recipe" + where(e.getLocation()) + ": " + e.getOriginalMessage(), e);
        }
        if (r == null) throw new IllegalArgumentException(source + ": the recipe is empty");
        try {
            return r.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    public static String toYaml(Recipe r) {
        try {
            return YAML.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The recipe as a JSON tree with the file's snake_case names (stored in checkpoints). */
    public static com.fasterxml.jackson.databind.JsonNode toTree(Recipe r) {
        return YAML.valueToTree(r);
    }

    /** Reads a tree made by {@link #toTree}; {@code source} names it in errors. */
    public static Recipe fromTree(com.fasterxml.jackson.databind.JsonNode node, String source) {
        try {
            return YAML.treeToValue(node, Recipe.class).validate();
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": the stored recipe is not valid: " + e.getMessage(), e);
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String where(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 1 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static String describe(Class<?> type) {
        if (type == int.class || type == long.class || type == Integer.class || type == Long.class) return "an integer";
        if (type == double.class || type == Double.class) return "a number";
        if (type == boolean.class || type == Boolean.class) return "true or false";
        if (type == String.class) return "a string";
        return "a mapping (" + type.getSimpleName() + ")";
    }
}
