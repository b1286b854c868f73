package dev.courier.consumer;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads an application's {@link Deliverer} by class name from its own jars or class directories, as
 * {@code courier consumer --deliverer CLASS --classpath PATH} does.
 *
 * <p>The class needs a public constructor taking {@code Map<String, String>} (the {@code --deliverer-property}
 * settings) or a public no-argument one. Courier's own classes come from the parent class loader, so the
 * application's jar must not bundle another copy of {@code courier-consumer}. Every failure is an
 * {@link IllegalArgumentException} naming the class and what is wrong with it.
 */
public final class DelivererPlugin {

    private DelivererPlugin() {
    }

    public static Deliverer load(String className, List<Path> classpath, Map<String, String> properties) {
        ClassLoader loader = classLoader(classpath);
        Class<?> type;
        try {
            type = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("Deliverer class " + className + " cannot be loaded from "
                    + (classpath.isEmpty() ? "the classpath" : "--classpath " + classpath) + ": " + e, e);
        }
        if (!Deliverer.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("class " + className + " does not implement " + Deliverer.class.getName());
        }
        Optional<Constructor<?>> withProperties = withProperties(type);
        if (withProperties.isPresent()) {
            return (Deliverer) newInstance(withProperties.get(), properties);
        }
        if (!properties.isEmpty()) {
            throw new IllegalArgumentException("Deliverer " + className + " takes no properties (it has no public"
                    + " constructor taking Map<String, String>), but --deliverer-property was given");
        }
        return (Deliverer) newInstance(noArgument(type), null);
    }

    private static ClassLoader classLoader(List<Path> classpath) {
        List<URL> urls = new ArrayList<>();
        for (Path path : classpath) {
            if (!Files.exists(path)) {
                throw new IllegalArgumentException("--classpath entry " + path + " does not exist");
            }
            try {
                urls.add(path.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("--classpath entry " + path + " is not a valid path", e);
            }
        }
        ClassLoader parent = DelivererPlugin.class.getClassLoader();
        return urls.isEmpty() ? parent : new URLClassLoader("deliverer", urls.toArray(URL[]::new), parent);
    }

    private static Optional<Constructor<?>> withProperties(Class<?> type) {
        try {
            return Optional.of(type.getConstructor(Map.class));
        } catch (NoSuchMethodException e) {
            return Optional.empty();
        }
    }

    private static Constructor<?> noArgument(Class<?> type) {
        try {
            return type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("Deliverer " + type.getName()
                    + " needs a public constructor taking Map<String, String> or no arguments");
        }
    }

    private static Object newInstance(Constructor<?> constructor, Map<String, String> properties) {
        try {
            return properties == null ? constructor.newInstance() : constructor.newInstance(Map.copyOf(properties));
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("Deliverer " + constructor.getDeclaringClass().getName()
                    + " failed to start: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("Deliverer " + constructor.getDeclaringClass().getName()
                    + " cannot be instantiated: " + e, e);
        }
    }
}
