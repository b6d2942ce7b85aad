package io.nuri.runtime.process;

import io.nuri.api.spec.Resources;
import io.nuri.api.spec.RunSpec;
import io.nuri.runtime.ChildEnvironment;
import io.nuri.runtime.DriverException;
import io.nuri.runtime.LaunchSpec;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What an instance runs and where: its command line ({@code -Xmx} for a jar included), working
 * dir, log file and environment (markers included), checked and with its folders made before
 * anything is forked.
 *
 * @param argv the command line as the spec asks for it, without the {@code setsid} in front
 * @param memLimit bytes, 0 when not limited
 * @param cpuMillis the cpu request, 0 when none
 */
record LaunchCommand(List<String> argv, Path workDir, Path logFile, Map<String, String> env, long memLimit,
        long cpuMillis) {

    private static final String SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);

    /**
     * Checks the spec and prepares its instance's folders and log meta.
     *
     * @param owner the driver's {@code NURI_OWNER} marker
     */
    static LaunchCommand prepare(LaunchSpec spec, Path dataDir, Path javaExecutable, Map<String, String> parentEnv,
            String owner) throws DriverException {
        String id = spec.instanceId();
        List<String> argv = argv(spec, javaExecutable);
        Path logDir = spec.logDir() != null ? spec.logDir() : dataDir.resolve("logs");
        Path logFile = logDir.resolve(id + ".log");
        Path workDir;
        try {
            Files.createDirectories(logDir);
            if (spec.run().workingDir() != null && !spec.run().workingDir().isBlank()) {
                workDir = Path.of(spec.run().workingDir());
                if (!Files.isDirectory(workDir)) {
                    throw new DriverException("working dir does not exist: " + workDir);
                }
            } else {
                workDir = Files.createDirectories(dataDir.resolve("instances").resolve(id));
            }
        } catch (IOException e) {
            throw new DriverException("cannot create folders for instance " + id + ": " + e.getMessage(), e);
        }
        InstanceLogs.writeMeta(logFile, spec);
        long memLimit = memoryBytes(spec.resources());
        long cpuMillis = spec.resources() == null ? 0 : spec.resources().cpuMillis();
        requireExecutable(argv.get(0), spec.env());
        return new LaunchCommand(argv, workDir, logFile, environment(spec, memLimit, parentEnv, owner), memLimit,
                cpuMillis);
    }

    /**
     * stdout and stderr appended to the log file by the child itself, no pipe (see
     * {@link ProcessDriver}); stdin from /dev/null; only the environment given.
     */
    ProcessBuilder processBuilder() {
        ProcessBuilder pb = new ProcessBuilder(inOwnSession(argv))
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        File devNull = new File("/dev/null");
        if (devNull.exists()) {
            pb.redirectInput(devNull);
        }
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb;
    }

    private static List<String> argv(LaunchSpec spec, Path javaExecutable) throws DriverException {
        RunSpec run = spec.run();
        if (run == null) {
            throw new DriverException("instance " + spec.instanceId() + " has no run spec");
        }
        List<String> argv = new ArrayList<>();
        if (run.isJar()) {
            Path jar = Path.of(run.jar());
            if (!Files.isRegularFile(jar)) {
                throw new DriverException("jar not found: " + jar);
            }
            argv.add(javaExecutable.toString());
            argv.addAll(run.javaOpts());
            long mem = memoryBytes(spec.resources());
            if (mem > 0 && run.javaOpts().stream().noneMatch(LaunchCommand::isHeapFlag)) {
                argv.add("-Xmx" + heapFor(mem));
            }
            argv.add("-jar");
            argv.add(jar.toString());
        } else {
            if (run.command().isEmpty()) {
                throw new DriverException("run spec has neither jar nor command");
            }
            argv.addAll(run.command());
        }
        argv.addAll(run.args());
        return argv;
    }

    /**
     * Runs the instance in a session of its own (setsid execs in place: same pid), so a Ctrl-C
     * or hang-up in the platform's terminal reaches the platform, which then stops its
     * instances in order, and not the instances directly.
     */
    private static List<String> inOwnSession(List<String> argv) {
        if (SETSID == null) {
            return argv;
        }
        List<String> wrapped = new ArrayList<>(argv.size() + 1);
        wrapped.add(SETSID);
        wrapped.addAll(argv);
        return wrapped;
    }

    /** With setsid in front, a missing program would only show as exit 127; say it up front. */
    private static void requireExecutable(String program, Map<String, String> env) throws DriverException {
        if (program.contains("/")) {
            if (!Files.isExecutable(Path.of(program))) {
                throw new DriverException("cannot start " + program + ": not an executable file");
            }
            return;
        }
        String path = env.getOrDefault("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return;
            }
        }
        throw new DriverException("cannot start " + program + ": not found on PATH");
    }

    private static boolean isHeapFlag(String opt) {
        return opt.startsWith("-Xmx") || opt.startsWith("-XX:MaxRAM") || opt.startsWith("-XX:MaxHeapSize");
    }

    /** 75% of the limit, in m when that is exact enough, else in k: 256Mi -> 192m, 16Mi -> 12m. */
    static String heapFor(long memBytes) {
        long heap = memBytes / 4 * 3;
        return heap >= (64L << 20) || heap % (1L << 20) == 0 ? (heap >> 20) + "m" : (heap >> 10) + "k";
    }

    private static long memoryBytes(Resources r) {
        return r == null ? 0 : r.memoryBytes();
    }

    private static Map<String, String> environment(LaunchSpec spec, long memLimit, Map<String, String> parentEnv,
            String owner) {
        Map<String, String> env = ChildEnvironment.inherited(parentEnv);
        env.putAll(spec.env());
        env.put("PORT", Integer.toString(spec.port()));
        env.put(ProcessDriver.ENV_INSTANCE_ID, spec.instanceId());
        env.put(ProcessDriver.ENV_APP, String.valueOf(spec.app()));
        env.put(ProcessDriver.ENV_NAMESPACE, spec.namespace() == null ? "default" : spec.namespace());
        env.put(ProcessDriver.ENV_REVISION, Integer.toString(spec.revision()));
        if (memLimit > 0) {
            env.put(ProcessDriver.ENV_MEMORY_LIMIT, Long.toString(memLimit));
        } else {
            env.remove(ProcessDriver.ENV_MEMORY_LIMIT);
        }
        env.put(ProcessDriver.ENV_OWNER, owner);
        return env;
    }
}
