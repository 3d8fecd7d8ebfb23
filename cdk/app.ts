// cdk synth / cdk deploy entry point. cdk-nag's AwsSolutions checks run on every synth.
import { buildApp } from './build-app';

buildApp();
