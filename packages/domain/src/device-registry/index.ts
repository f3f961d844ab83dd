/** The device registry import (SPEC §3): its upload, job type and access policy. */
export { deviceRegistryJob } from './job';
export { deviceRegistryRead, deviceRegistryScopes, deviceRegistryWrite } from './policy';
export { checkFields, submitDeviceRegistryUpload } from './upload';
export { deviceColumns, dictionaryNames } from './column-rules';
