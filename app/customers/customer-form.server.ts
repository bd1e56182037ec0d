// What the customer routes' loaders and actions need of the form's checks. A .server module, so the
// browser build leaves it out: the form itself loads the checks after hydration.
export { customerFormConstraint, validateCustomerForm } from "./customer-form-validation";
