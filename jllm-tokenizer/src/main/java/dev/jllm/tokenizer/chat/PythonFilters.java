package dev.jllm.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.List;
import java.util.Map;

/** Filters whose jinjava versions differ from the Python (transformers / jinja2) ones templates expect. */
final class PythonFilters {
    private PythonFilters() {
    }

    static List<Filter> all() {
        return List.of(new ToJson(), new Trim(), new Str(), new Items(), new MinMax("min"), new MinMax("max"));
    }

    /** {@code tojson(indent=None, separators=None, sort_keys=False, ensure_ascii=False)} as transformers defines it. */
    static final class ToJson implements AdvancedFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : (args.length > 0 ? args[0] : null);
            Object seps = kwargs.get("separators");
            Object sort = kwargs.get("sort_keys");
            Object ascii = kwargs.get("ensure_ascii");
            for (String k : kwargs.keySet()) {
                if (!List.of("indent", "separators", "sort_keys", "ensure_ascii").contains(k)) {
                    throw new TemplateException("tojson: unexpected keyword argument '" + k + "'", false);
                }
            }
            Integer ind = null;
            if (indent != null) {
                if (!(indent instanceof Number n)) {
                    throw new TemplateException("tojson: indent must be an integer, found " + PythonMethods.typeName(indent), false);
                }
                ind = n.intValue();
            }
            List<String> separators = null;
            if (seps != null) {
                if (!(seps instanceof List<?> l)) {
                    throw new TemplateException("tojson: separators must be a (item, key) pair, found " + PythonMethods.typeName(seps), false);
                }
                separators = l.stream().map(o -> (String) o).toList();
            }
            return new PythonJson(ind, separators, Boolean.TRUE.equals(sort), Boolean.TRUE.equals(ascii)).dump(var);
        }
    }

    /** {@code trim(chars=None)}: Python's str.strip (Unicode whitespace), where jinjava trims only chars <= ' '. */
    static final class Trim implements AdvancedFilter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            String s = var == null ? "" : TemplateValues.pythonStr(var);
            Object chars = args.length > 0 ? args[0] : kwargs.get("chars");
            return PythonMethods.strip(s, chars == null ? null : chars.toString(), true, true);
        }
    }

    /** {@code string}: Python's str() (True/False, 1.0, list repr), where jinjava uses Java's toString. */
    static final class Str implements AdvancedFilter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return var == null ? "" : TemplateValues.pythonStr(var);
        }
    }

    /** {@code items}: a mapping's (key, value) pairs (Jinja 3.1), which jinjava lacks. */
    static final class Items implements AdvancedFilter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var == null) return new com.hubspot.jinjava.objects.collections.PyList(new java.util.ArrayList<>());
            if (!(var instanceof Map<?, ?>)) {
                throw new TemplateException("items: can only get item pairs from a mapping, found " + PythonMethods.typeName(var), false);
            }
            return PythonMethods.call(var, "items", new Object[0]);
        }
    }

    /** {@code min} / {@code max} over a sequence of numbers or strings (Jinja builtins jinjava lacks). */
    static final class MinMax implements AdvancedFilter {
        private final String name;

        MinMax(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (!(var instanceof Iterable<?> it)) {
                throw new TemplateException(name + ": expected a sequence, found " + PythonMethods.typeName(var), false);
            }
            Object best = null;
            for (Object x : it) {
                Comparable c = comparable(x);
                if (best == null || (name.equals("min") ? c.compareTo(comparable(best)) < 0 : c.compareTo(comparable(best)) > 0)) {
                    best = x;
                }
            }
            return best; // None for an empty sequence, as Jinja returns Undefined
        }

        private Comparable<?> comparable(Object x) {
            if (x instanceof Number n) return n instanceof Double || n instanceof Float ? (Comparable<?>) n.doubleValue()
                    : (Comparable<?>) (double) n.longValue();
            if (x instanceof String s) return s;
            throw new TemplateException(name + ": cannot compare " + PythonMethods.typeName(x), false);
        }
    }
}
