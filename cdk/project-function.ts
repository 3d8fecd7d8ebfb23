// One place for the project's Lambda defaults: runtime, architecture, bundling, logs, tracing.
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { projectPath, type FunctionSpec } from '../functions/catalog';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../functions/metrics-catalog';
import type { FunctionSizing } from './sizing';

export interface ProjectFunctionProps {
  spec: FunctionSpec;
  environment: Record<string, string>;
  /** Memory, timeout and /tmp (cdk/sizing.ts). */
  sizing: FunctionSizing;
}

/** Where the media functions find ffmpeg/ffprobe: copied next to the bundle by a command hook. */
export const MEDIA_BIN_DIR = '/var/task/bin';

/** Run by `node` from the project root (tsx resolves from there): cdk/media-binaries.ts. */
const MEDIA_SCRIPT = projectPath('cdk/media-binaries.ts');

export class ProjectFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    const { spec } = props;
    const media = spec.media === true;
    super(scope, id, {
      entry: projectPath(spec.entry),
      handler: 'handler',
      projectRoot: projectPath('.'),
      depsLockFilePath: projectPath('package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      // The ffmpeg/ffprobe static builds are x86-64; everything else runs cheaper on Graviton.
      architecture: media ? Architecture.X86_64 : Architecture.ARM_64,
      memorySize: props.sizing.memoryMb,
      timeout: Duration.seconds(props.sizing.timeoutSeconds),
      ephemeralStorageSize: Size.mebibytes(props.sizing.ephemeralMb),
      tracing: Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...(media && { FFMPEG_PATH: `${MEDIA_BIN_DIR}/ffmpeg`, FFPROBE_PATH: `${MEDIA_BIN_DIR}/ffprobe` }),
        ...props.environment,
      },
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        // Step Functions Retry/Catch match error class names: minification must not rename them.
        keepNames: true,
        sourceMap: true,
        // Pinned SDK versions from package-lock.json, not whatever the runtime ships.
        externalModules: [],
        banner: "import { createRequire as __longshotRequire } from 'module'; const require = __longshotRequire(import.meta.url);",
        ...(media && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            // esbuild breaks the installer packages' own path lookup: copy the binaries instead, the
            // linux-x64 builds whatever the host (fetched from the registry where npm ci skipped them).
            afterBundling: (_inputDir: string, outputDir: string) => [`node --import tsx "${MEDIA_SCRIPT}" "${join(outputDir, 'bin')}"`],
          },
        }),
      },
    });
  }
}

/** `start-from-upload` → `StartFromUpload`: the construct id prefix of each function. */
export const constructName = (functionName: string) => functionName.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
