/**
 * The parts of a decimal's text (as an ODecimal holds it, or a number prints): sign, integer
 * digits, fraction digits, exponent. Every part may be empty; the caller reads them as it needs.
 */
export const DECIMAL_PARTS = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/
