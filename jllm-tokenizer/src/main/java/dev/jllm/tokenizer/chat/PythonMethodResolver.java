package dev.jllm.tokenizer.chat;

import java.beans.FeatureDescriptor;
import java.util.Iterator;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/** Resolves {@code base.method(args)} to {@link PythonMethods} ahead of jinjava's Java-bean method lookup. */
final class PythonMethodResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) return null;
        Object result = PythonMethods.call(base, method.toString(), params);
        if (result == PythonMethods.NOT_HANDLED) return null;
        context.setPropertyResolved(true);
        return result;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        // jinjava hands the index over as text ("0", "-1").
        if (base instanceof String s && property != null && property.toString().matches("-?\\d{1,9}")) {
            long i = Long.parseLong(property.toString());
            Object n = property;
            if (i < 0) i += s.length();
            if (i < 0 || i >= s.length()) throw new TemplateException("string index out of range: " + n, false);
            context.setPropertyResolved(true);
            return String.valueOf(s.charAt((int) i)); // Python indexes a str to a one-character str
        }
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
