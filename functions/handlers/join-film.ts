// Join the clips into final.mp4 with its contact sheet, continuity report and final manifest.
import { loadConfig } from '../adapters/config';
import { joinFilm, type FilmResult } from '../workflow/join-film';
import { count, seconds, usd, type MetricValue } from '../adapters/observability';
import { lambdaHandler } from './lambda-handler';
import { joinFilmEvent } from './events';

/** Only the invocation that recorded the film counts the run: a retry answering with it counts nothing. */
function filmMetrics(result: FilmResult | undefined, took: number): MetricValue[] {
  if (!result?.recorded) return [];
  const finishing = result.finishingSec === null ? [] : [seconds('FinishingSeconds', result.finishingSec)];
  return [count('RunsSucceeded'), seconds('JoinSeconds', took), usd(result.cost.usd), ...finishing];
}

export const handler = lambdaHandler(
  { name: 'join-film', schema: joinFilmEvent, keys: ({ runId }) => ({ runId, step: 'join-film' }) },
  async (event) => joinFilm(loadConfig(), event),
  { metrics: ({ result, seconds: took }) => filmMetrics(result, took) },
);
