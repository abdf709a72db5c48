/** The JSON values both decoders print. */

export type Json = string | number | boolean | null;
export type Rec = Record<string, Json | undefined>;

/** Types Tally decodes field by field; the others yield type, repeat, MMSI, payload and bits. */
