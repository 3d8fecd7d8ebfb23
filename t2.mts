import { imageFrame, sampleFrames } from './functions/adapters/looks';
import { gradeTargetOf as gt } from './functions/domain/grade';
const d='/tmp/g/';
console.log('png', gt(await imageFrame(d+'anchor.png', d+'s.raw')));
console.log('plain', gt((await sampleFrames(d+'plain.mp4',[0], d+'s.raw')).get(0)!));
console.log('plain2', gt((await sampleFrames(d+'plain2.mp4',[0], d+'s.raw')).get(0)!));
