// Which objects of the bucket each function may read and write, key kind by key kind. The stack
// turns this table into IAM statements; the tests hold it against what the code touches.

/** Every kind of object the functions touch, with why its key needs a wildcard (for cdk-nag). */
export const KEYS = {
  inbox: { pattern: 'inbox/*', why: 'Storyboards are uploaded under inbox/ with names chosen by the user.' },
  images: { pattern: 'images/*', why: 'A storyboard may name its own anchor image under images/, with a name chosen by the user.' },
  rejected: { pattern: 'rejected/*', why: 'Rejection reports for invalid uploads are written under rejected/ with the upload’s name.' },
  idempotency: { pattern: 'idempotency/*', why: 'One record per Idempotency-Key or upload, named by a hash known only at run time.' },
  storyboard: { pattern: 'runs/*/storyboard.json', why: 'The validated storyboard of each run; run ids are created at run time.' },
  plan: { pattern: 'runs/*/plan.json', why: 'The plan of each run; run ids are created at run time.' },
  manifest: { pattern: 'runs/*/manifest.json', why: 'The manifest (status view) of each run; run ids are created at run time.' },
  spend: { pattern: 'runs/*/spend.json', why: 'The spend ledger (reservations and costs per prediction) of each run; run ids are created at run time.' },
  reusable: { pattern: 'reusable/*', why: 'Model outputs kept for reuse, named by the hash of what made them (known at run time only).' },
  ending: { pattern: 'runs/*/ending.json', why: 'The one ending of each run (created once, first writer wins); run ids are created at run time.' },
  notify: { pattern: 'runs/*/notify.json', why: 'Where POST /runs asked to be notified (notify.url) for each run; run ids are created at run time.' },
  notifications: { pattern: 'runs/*/notifications/*', why: 'What was delivered of each run ending’s notification, named by an id made at run time.' },
  steps: { pattern: 'runs/*/steps/*', why: 'One record per step of each run; run ids and steps are known at run time only.' },
  callbacks: { pattern: 'runs/*/callbacks/*', why: 'One callback record (task token) per waiting step of each run, known at run time only.' },
  anchor: { pattern: 'runs/*/anchor.png', why: 'The anchor image of each run; run ids are created at run time.' },
  seeds: { pattern: 'runs/*/seeds/*', why: 'Seed frames (each clip’s true last frame) of each run, numbered at run time.' },
  keyframes: { pattern: 'runs/*/keyframes/*', why: 'Keyframes (strategy keyframes: where each scene ends) of each run, numbered at run time.' },
  clips: { pattern: 'runs/*/scenes/*', why: 'The stored clip of every scene of each run, numbered at run time.' },
  segments: { pattern: 'runs/*/segments/*', why: 'The finished segment (video, sound piece, sheet row, record) of every scene of each run, numbered at run time.' },
  film: { pattern: 'runs/*/final.mp4', why: 'The joined film of each run; run ids are created at run time.' },
  contactSheet: { pattern: 'runs/*/contact-sheet.png', why: 'The contact sheet of each run; run ids are created at run time.' },
  continuity: { pattern: 'runs/*/continuity.json', why: 'The seam report of each run; run ids are created at run time.' },
  driftChart: { pattern: 'runs/*/drift-chart.png', why: 'The drift chart of each run; run ids are created at run time.' },
  compareRequest: { pattern: 'compares/*/request.json', why: 'What each compare asked for and its variants’ run ids; compare ids are created at run time.' },
  compareEnding: { pattern: 'compares/*/ending.json', why: 'The one ending of each compare (created once, first writer wins); compare ids are created at run time.' },
  sideBySide: { pattern: 'compares/*/side-by-side.mp4', why: 'The side-by-side film of each compare; compare ids are created at run time.' },
  comparison: { pattern: 'compares/*/comparison.*', why: 'The comparison table (.md) and figures (.json) of each compare; compare ids are created at run time.' },
  compareNotify: { pattern: 'compares/*/notify.json', why: 'Where POST /compares asked to be notified (notify.url) for each compare; compare ids are created at run time.' },
  compareNotifications: { pattern: 'compares/*/notifications/*', why: 'What was delivered of each compare ending’s notification, named by an id made at run time.' },
} as const;

export type KeyKind = keyof typeof KEYS;

export interface BucketAccess {
  /** s3:GetObject (also what HeadObject and presigned GET URLs need). */
  read: KeyKind[];
  /** s3:PutObject and s3:PutObjectTagging (the S3 adapter tags every object it writes). */
  write: KeyKind[];
  /** Written with @aws-sdk/lib-storage (multipart): s3:AbortMultipartUpload on these too. */
  multipart?: KeyKind[];
  /** s3:DeleteObject: only the film objects a join discards when the run ended during the join. */
  delete?: KeyKind[];
}

/** refreshManifest: reads the plan, every step record, the ending and the manifest, and writes the manifest. */
const MANIFEST_REFRESH: BucketAccess = { read: ['plan', 'steps', 'ending', 'manifest', 'spend'], write: ['manifest'] };
/** The spend ledger: a reservation before each create, each prediction's cost once its end is reported. */
const SPEND: BucketAccess = { read: ['spend'], write: ['spend'] };
/** claimEnding (create-only) and noteCanceledPredictions (If-Match): every way a run ends. */
const END_RUN: BucketAccess = { read: ['ending'], write: ['ending'] };
/** updateStep: one step record read and written, then the manifest refreshed. */
const STEP_UPDATE: BucketAccess = { read: ['steps', ...MANIFEST_REFRESH.read], write: ['steps', ...MANIFEST_REFRESH.write] };
/** cancelInFlight: lists and rewrites the run's callback records. */
const CANCEL_IN_FLIGHT: BucketAccess = { read: ['callbacks', 'spend'], write: ['callbacks', 'spend'] };

const merge = (...parts: BucketAccess[]): BucketAccess => ({
  read: [...new Set(parts.flatMap((p) => p.read))],
  write: [...new Set(parts.flatMap((p) => p.write))],
  multipart: [...new Set(parts.flatMap((p) => p.multipart ?? []))],
  delete: [...new Set(parts.flatMap((p) => p.delete ?? []))],
});

/** Per function (catalog name): exactly the key kinds its code reads and writes. */
export const BUCKET_ACCESS: Record<string, BucketAccess> = {
  // Loads an uploaded storyboard (source.key under inbox/), writes storyboard, plan and first manifest.
  prepare: merge({ read: ['inbox'], write: ['storyboard', 'plan'] }, SPEND, MANIFEST_REFRESH),
  // Callback record first, then the prediction; checks the manifest for a cancel; records the step.
  // A keyframe (strategy keyframes) also presigns the stored anchor, seed 0.
  // A stored output with the same hash answers instead of a prediction (reusable/, read only).
  anchor: merge({ read: ['callbacks', 'manifest', 'seeds', 'reusable'], write: ['callbacks'] }, SPEND, STEP_UPDATE),
  // As anchor, plus the seed frame it presigns for Replicate (and the keyframe to end on).
  clip: merge({ read: ['callbacks', 'manifest', 'seeds', 'keyframes', 'reusable'], write: ['callbacks'] }, SPEND, STEP_UPDATE),
  poll: merge({ read: ['callbacks'], write: ['callbacks'] }, SPEND),
  // Anchor source images (inbox/ or images/), then anchor, seeds, keyframes and clips written multipart.
  'store-output': merge(
    // A new output is kept for reuse; a reused one that does not decode is forgotten.
    {
      read: ['inbox', 'images', 'reusable'],
      write: ['anchor', 'seeds', 'keyframes', 'clips', 'reusable'],
      multipart: ['anchor', 'seeds', 'keyframes', 'clips', 'reusable'],
      delete: ['reusable'],
    },
    STEP_UPDATE,
  ),
  // Reads the stored clip, its step record and the seed it started from; writes its finished segment.
  'finish-segment': merge({ read: ['plan', 'steps', 'clips', 'seeds', 'keyframes'], write: ['segments'], multipart: ['segments'] }),
  'join-film': merge(
    {
      read: ['plan', 'steps', 'segments'],
      write: ['film', 'contactSheet', 'continuity', 'driftChart'],
      multipart: ['film', 'contactSheet', 'driftChart'],
      delete: ['film', 'contactSheet', 'continuity', 'driftChart'],
    },
    END_RUN,
    MANIFEST_REFRESH,
  ),
  'record-failure': merge(END_RUN, CANCEL_IN_FLIGHT, MANIFEST_REFRESH),
  // The public webhook: only the callback record of the step it resumes.
  webhook: merge({ read: ['callbacks'], write: ['callbacks'] }, SPEND),
  // POST (idempotency records), GET (manifest, presigned film and contact sheet), DELETE (cancel).
  // POST also stores notify.json (the caller's notify.url) before the execution starts.
  // regenerate/resume read the parent's storyboard and plan.
  api: merge({ read: ['idempotency', 'film', 'contactSheet', 'driftChart', 'storyboard'], write: ['idempotency', 'notify'] }, END_RUN, CANCEL_IN_FLIGHT, MANIFEST_REFRESH),
  'start-from-upload': { read: ['inbox', 'idempotency'], write: ['rejected', 'idempotency'] },
  // Reads the ending, the manifest (cost) and notify.json; records what it delivered.
  notify: { read: ['ending', 'manifest', 'notify', 'notifications'], write: ['notifications'] },
  'execution-ended': merge(END_RUN, CANCEL_IN_FLIGHT, MANIFEST_REFRESH),
  // Compares: request.json once (a retry reads it back); each variant's run is prepared by the run machine.
  'prepare-compare': { read: ['compareRequest'], write: ['compareRequest'] },
  // Reads the variants' manifests, reports and films; writes the side-by-side, the table and the ending.
  'join-comparison': {
    read: ['compareRequest', 'compareEnding', 'manifest', 'continuity', 'film'],
    write: ['sideBySide', 'comparison', 'compareEnding'],
    multipart: ['sideBySide', 'comparison'],
  },
  'record-compare-failure': { read: ['compareEnding'], write: ['compareEnding'] },
};

// execution-ended also records a compare stopped or timed out from outside: its ending, create-only.
BUCKET_ACCESS['execution-ended'] = merge(BUCKET_ACCESS['execution-ended'], { read: ['compareEnding'], write: ['compareEnding'] });

// GET /compares/{id}: the request, ending and table, and presigned URLs of the results.
BUCKET_ACCESS.api = merge(BUCKET_ACCESS.api, { read: ['compareRequest', 'compareEnding', 'comparison', 'sideBySide'], write: [] });
// POST /compares stores notify.json before the compare starts; notify reads the compare's ending,
// request (its variants' runs, whose manifests it already reads) and notify.json, and records what it delivered.
BUCKET_ACCESS.api = merge(BUCKET_ACCESS.api, { read: [], write: ['compareNotify'] });
BUCKET_ACCESS.notify = merge(BUCKET_ACCESS.notify, { read: ['compareEnding', 'compareRequest', 'compareNotify', 'compareNotifications'], write: ['compareNotifications'] });
