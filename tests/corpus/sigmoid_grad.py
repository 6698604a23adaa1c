"""Realistic answers to notebook 02's sigmoid_grad(x): how tutorials, course solutions and small libraries write
the sigmoid's derivative, adapted to the exercise's contract (x any shape, return dsigma/dx)."""

EXERCISE = "sigmoid_grad"

ENTRIES = [
    dict(id="coursera-sigmoid-backward", correct=True,
         origin="deeplearning.ai's sigmoid_backward (s = 1/(1+np.exp(-Z)); dZ = dA * s * (1-s)) with dA = 1",
         source='''
def sigmoid_grad(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s)
'''),
    dict(id="two-sigmoid-calls", correct=True,
         origin="the common sigmoid(x) * (1 - sigmoid(x)) with a helper written with math.e (public bpnetwork code)",
         source='''
def sigmoid(x):
    return 1 / (1 + math.e ** (-x))

def sigmoid_grad(x):
    return sigmoid(x) * (1 - sigmoid(x))
'''),
    dict(id="exp-over-square", correct=True, origin="the derivative derived by hand: e^-x / (1 + e^-x)^2",
         source='''
def sigmoid_grad(x):
    e = np.exp(-x)
    return e / (1 + e) ** 2
'''),
    dict(id="derivative-of-output", expect="the derivative written for the output s",
         origin="sigmoid_derivative(x) = x * (1 - x) in many public repositories (NeuroFlow, pymla, tutorials), "
                "meant to be called with the output",
         source='''
def sigmoid_grad(x):
    return x * (1 - x)
'''),
    dict(id="tanh-confusion", expect="the derivative of tanh, not of the sigmoid",
         origin="1 - s**2 written by analogy with tanh's 1 - t**2 (Q&A threads on activation derivatives)",
         source='''
def sigmoid_grad(x):
    s = 1 / (1 + np.exp(-x))
    return 1 - s ** 2
'''),
    dict(id="chain-rule-two-slips", expect=("two classic mistakes at once", "not squared", "a sign error"),
         origin="the chain rule on (1 + e^-x)^-1 done by hand with both slips: the inner -1 and the square dropped",
         source='''
def sigmoid_grad(x):
    e = np.exp(-x)
    return -e / (1 + e)
'''),
    dict(id="global-s-from-earlier-cell", expect="your function ignores x",
         origin="a notebook where s was computed in an earlier cell and the function reads that global instead of "
                "its argument",
         source='''
s = 1 / (1 + np.exp(-np.linspace(-3.0, 3.0, 7)))

def sigmoid_grad(x):
    return s * (1 - s)
'''),
]
