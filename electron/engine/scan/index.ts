/** The connect scanner: targets, ports, probes, sweeps as jobs, and their stored results. */
export { parsePortSpec, topPorts, portName, PortSpecError } from './ports';
export { planTargets, estimateTargets, parseTargetToken, isLargeSweep, resolutionReason, TargetError, UnresolvedTargets } from './targets';
export { Scanner, DEFAULT_TUNING, type ProbeResult, type ScanTuning } from './scanner';
export { ScanService, estimateScan, ConfirmationRequired, ACCEPTS_ALL_MIN } from './run';
export { listScanRuns, getScanRun, scanResults, closedPortsOfScan } from './store';
