import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { customerFormSchema } from "./customer-schemas";

/**
 * The customer form's checks, the same the server runs. The form loads this module after hydration
 * (zod is 28 KB of JavaScript), and its loader sends the constraint for the first render.
 */
export const customerFormConstraint = () => getZodConstraint(customerFormSchema);
export const validateCustomerForm = (formData: FormData) => parseWithZod(formData, { schema: customerFormSchema });
