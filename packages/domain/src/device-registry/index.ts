export { deviceRegistryJob } from './job';
export { deviceRegistryRead, deviceRegistryScopes, deviceRegistryWrite } from './policy';
export { checkFields, submitDeviceRegistryUpload } from './upload';
