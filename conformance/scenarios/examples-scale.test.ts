// The 1,000-service example scenarios as golden runs (golden.ts).
import { SCALE_EXAMPLES, goldenTests } from './golden.ts';

goldenTests(SCALE_EXAMPLES);
