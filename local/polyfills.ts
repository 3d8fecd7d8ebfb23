// aws-local-stepfunctions 3 calls Promise.withResolvers (Node >= 22). On Node 20 every Task would
// fail with a TypeError that a Catch: States.ALL hides, so install it before the executor loads.
if (typeof (Promise as any).withResolvers !== 'function') {
  (Promise as any).withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
export {};

// Versions are pinned in package-lock.json; the SDK's "Node 22 from 2027" notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
