/** The `accept` attribute of an Excel (.xlsx) file input. */
export const XLSX_ACCEPT = '.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
